# shellcheck shell=bash
# S3 part of the test harness (sourced by tests/harness/lib.sh, never on its own): a real
# S3-compatible server, s3rver 3.7.1 (npm, installed by `./dev deps` into .deps/npm), on
# Node.js, on a free loopback port, with one bucket, its own access key and a random
# secret from 0600 files, and ways to break it for fault tests (SIGKILL, SIGSTOP,
# injected S3 errors).
#
# s3rver checks that the access key exists, that x-amz-content-sha256 is there and the
# clock skew, but it does NOT verify SigV4 signatures (its V4 branch accepts any
# signature). The launcher below therefore puts an independent SigV4 check in front of
# its router, written from the AWS specification, not from curl: canonical URI re-encoded
# segment by segment, canonical query decoded, AWS-encoded and sorted (a value-less
# "uploads" canonicalises as "uploads="), every x-amz-* header and host must be signed,
# credential scope date, region and service checked. A wrong secret gets 403
# SignatureDoesNotMatch, a wrong region 400 AuthorizationHeaderMalformed, as from AWS.
# It also adds what s3rver lacks and a driver needs: AbortMultipartUpload (DELETE
# ?uploadId=, which s3rver answers 405), so tests can check that no upload is leaked.
#
# Files of instance NAME (default s3), all in $LC_TMP/NAME:
#   server.js   the launcher (written at each start)  port  server.log  server.pid (node)
#   access.log  "METHOD /url STATUS" per request, the query as sent
#   faults      optional, one "CODE COUNT [METHOD] [URL-SUBSTRING]" a line: the next COUNT
#               matching requests get that S3 error (SlowDown, InternalError,
#               RequestTimeTooSkewed, ...) after their signature was checked; CODE@200
#               sends the error document with status 200 (as S3 may answer a
#               CompleteMultipartUpload)
#   tls/        ca.pem server.pem server.key when started with --tls
#   data/       s3rver's directory: data/BUCKET/<key>._S3rver_object (S3_DATA)
# The keys: $LC_TMP/secrets/s3.access_key and s3.secret_key (0600).

LC_S3RVER_DIR=${LC_S3RVER_DIR:-$LC_SOURCE_DIR/.deps/npm/node_modules/s3rver}

lc__s3_export() { # NAME
    local d="$LC_TMP/$1"
    S3_NAME=$1
    S3_DIR=$d
    S3_PORT=$(cat "$d/port")
    S3_BUCKET=$(cat "$d/bucket")
    S3_DATA=$d/data
    S3_SCHEME=$(cat "$d/scheme")
    S3_ENDPOINT="$S3_SCHEME://127.0.0.1:$S3_PORT"
    S3_CA=
    [ "$S3_SCHEME" = https ] && S3_CA=$d/tls/ca.pem
    S3_ACCESS_KEY_FILE=$LC_TMP/secrets/s3.access_key
    S3_SECRET_KEY_FILE=$LC_TMP/secrets/s3.secret_key
    S3_PID=$(lc__pid_of "$1")
    S3_LOG=$d/server.log
    S3_ACCESS_LOG=$d/access.log
    export S3_NAME S3_DIR S3_PORT S3_BUCKET S3_DATA S3_SCHEME S3_ENDPOINT S3_CA \
        S3_ACCESS_KEY_FILE S3_SECRET_KEY_FILE S3_PID S3_LOG S3_ACCESS_LOG
}

# lc__s3_server_js: the launcher (see the head of this file)
lc__s3_server_js() {
    cat <<'EOF'
'use strict';
/* s3rver with an independent SigV4 check, AbortMultipartUpload, an access log and
 * injected faults; configured by LC_S3_* environment variables (tests/harness/s3.sh) */
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const root = process.env.LC_S3RVER_DIR;
const S3rver = require(root);
const S3Error = require(path.join(root, 'lib/models/error'));
const { DUMMY_ACCOUNT } = require(path.join(root, 'lib/models/account'));

const env = process.env;
const region = env.LC_S3_REGION || 'us-east-1';
const accessKey = fs.readFileSync(env.LC_S3_ACCESS_KEY_FILE, 'utf8').trim();
const secretKey = fs.readFileSync(env.LC_S3_SECRET_KEY_FILE, 'utf8').trim();
const accessLog = fs.createWriteStream(env.LC_S3_ACCESS_LOG, { flags: 'a' });
const faultsFile = env.LC_S3_FAULTS;

/* s3rver makes ListObjectsV2 continuation tokens with DES, which OpenSSL 3 keeps in its
 * legacy provider: where node cannot load it, tokens are the same bytes unenciphered */
try {
  crypto.createCipheriv('des', Buffer.alloc(8), Buffer.alloc(8));
} catch (e) {
  const plain = () => ({ update: b => Buffer.from(b), final: () => Buffer.alloc(0) });
  for (const name of ['createCipheriv', 'createDecipheriv']) {
    const real = crypto[name];
    crypto[name] = (alg, ...rest) => (alg === 'des' ? plain() : real(alg, ...rest));
  }
  console.log('DES unavailable: continuation tokens are not enciphered');
}

DUMMY_ACCOUNT.revokeAccessKey('S3RVER');
DUMMY_ACCOUNT.createKeyPair(accessKey, secretKey);

/* RFC 3986 unreserved characters stay, everything else is %XX (AWS UriEncode) */
function awsEncode(s) {
  return encodeURIComponent(s).replace(/[!'()*]/g,
    c => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function decode(s) {
  try {
    return decodeURIComponent(s);
  } catch (e) {
    throw new S3Error('InvalidURI', 'Could not parse the specified URI.');
  }
}

function hmac(key, data) {
  return crypto.createHmac('sha256', key).update(data, 'utf8').digest();
}

function sha256hex(data) {
  return crypto.createHash('sha256').update(data, 'utf8').digest('hex');
}

function canonicalUri(rawPath) {
  return rawPath.split('/').map(seg => awsEncode(decode(seg))).join('/');
}

function canonicalQuery(rawQuery) {
  if (!rawQuery) return '';
  return rawQuery.split('&').filter(p => p !== '').map(p => {
    const eq = p.indexOf('=');
    const k = eq < 0 ? p : p.slice(0, eq);
    const v = eq < 0 ? '' : p.slice(eq + 1);
    return [awsEncode(decode(k)), awsEncode(decode(v))];
  }).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => k + '=' + v).join('&');
}

/* The SigV4 check of a request with an Authorization header (RFC-free: AWS's spec). */
function verifySigV4(method, url, headers, secretFor) {
  const auth = headers['authorization'];
  if (!auth || !auth.startsWith('AWS4-HMAC-SHA256 ')) return;  /* s3rver decides */
  const parts = {};
  for (const item of auth.slice(17).split(',')) {
    const eq = item.indexOf('=');
    if (eq > 0) parts[item.slice(0, eq).trim()] = item.slice(eq + 1).trim();
  }
  if (!parts.Credential || !parts.SignedHeaders || !parts.Signature)
    throw new S3Error('AuthorizationHeaderMalformed',
      'The authorization header is malformed; it requires Credential, SignedHeaders and Signature.');
  const cred = parts.Credential.split('/');
  if (cred.length !== 5 || cred[4] !== 'aws4_request')
    throw new S3Error('AuthorizationHeaderMalformed',
      'The authorization header is malformed; the Credential is mal-formed.');
  const [akid, date, credRegion, service] = cred;
  const secret = secretFor(akid);
  if (secret === undefined) return;  /* s3rver answers InvalidAccessKeyId */
  if (credRegion !== region)
    throw new S3Error('AuthorizationHeaderMalformed',
      `The authorization header is malformed; the region '${credRegion}' is wrong; expecting '${region}'`,
      { Region: region });
  if (service !== 's3')
    throw new S3Error('AuthorizationHeaderMalformed',
      `The authorization header is malformed; incorrect service '${service}'. This endpoint belongs to 's3'.`);
  const amzDate = headers['x-amz-date'] || '';
  if (!/^\d{8}T\d{6}Z$/.test(amzDate) || amzDate.slice(0, 8) !== date)
    throw new S3Error('AuthorizationHeaderMalformed',
      'The authorization header is malformed; the date of the Credential does not match x-amz-date.');
  const payload = headers['x-amz-content-sha256'];
  if (payload === undefined)
    throw new S3Error('InvalidRequest',
      'Missing required header for this request: x-amz-content-sha256');
  if (!/^(UNSIGNED-PAYLOAD|STREAMING-AWS4-HMAC-SHA256-PAYLOAD|[0-9a-f]{64})$/.test(payload))
    throw new S3Error('InvalidArgument',
      'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, or a valid sha256 value.');
  const signed = parts.SignedHeaders.split(';');
  const unsigned = Object.keys(headers).filter(h => (h === 'host' || h.startsWith('x-amz-')) &&
    !signed.includes(h));
  if (unsigned.length)
    throw new S3Error('AccessDenied',
      'There were headers present in the request which were not signed',
      { HeadersNotSigned: unsigned.join(', ') });
  const q = url.indexOf('?');
  const canonicalHeaders = signed.map(h => {
    const v = headers[h];
    return h + ':' + (v === undefined ? '' : String(v).trim().replace(/\s+/g, ' ')) + '\n';
  }).join('');
  const canonicalRequest = [
    method,
    canonicalUri(q < 0 ? url : url.slice(0, q)),
    canonicalQuery(q < 0 ? '' : url.slice(q + 1)),
    canonicalHeaders,
    parts.SignedHeaders,
    payload,
  ].join('\n');
  const scope = `${date}/${credRegion}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256hex(canonicalRequest)].join('\n');
  let key = hmac('AWS4' + secret, date);
  key = hmac(key, credRegion);
  key = hmac(key, service);
  key = hmac(key, 'aws4_request');
  const expected = hmac(key, stringToSign).toString('hex');
  if (expected !== parts.Signature)
    throw new S3Error('SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. ' +
      'Check your key and signing method.',
      { AWSAccessKeyId: akid, StringToSign: stringToSign, CanonicalRequest: canonicalRequest });
}

/* "CODE COUNT [METHOD] [URL-SUBSTRING]" lines; the first matching line is used up */
function takeFault(method, url) {
  let lines;
  try {
    lines = fs.readFileSync(faultsFile, 'utf8').split('\n').filter(l => l.trim() !== '');
  } catch (e) {
    return null;
  }
  for (let i = 0; i < lines.length; i++) {
    const [code, count, m, sub] = lines[i].trim().split(/\s+/);
    if (m && m !== '*' && m !== method) continue;
    if (sub && !url.includes(sub)) continue;
    const left = Number(count) - 1;
    if (left > 0) lines[i] = [code, left, m || '*', sub || ''].join(' ').trim();
    else lines.splice(i, 1);
    fs.writeFileSync(faultsFile, lines.map(l => l + '\n').join(''));
    return code;
  }
  return null;
}

const tls = env.LC_S3_TLS_DIR ? {
  key: fs.readFileSync(path.join(env.LC_S3_TLS_DIR, 'server.key')),
  cert: fs.readFileSync(path.join(env.LC_S3_TLS_DIR, 'server.pem')),
} : {};

const app = new S3rver({
  address: '127.0.0.1',
  port: Number(env.LC_S3_PORT),
  directory: env.LC_S3_DATA,
  silent: false,
  vhostBuckets: false,
  configureBuckets: [{ name: env.LC_S3_BUCKET, configs: [] }],
  ...tls,
});

async function harness(ctx, next) {
  const method = ctx.method;
  const url = ctx.req.url;
  let failed = 0;
  try {
    verifySigV4(method, url, ctx.headers,
      akid => (akid === accessKey ? secretKey : undefined));
    const fault = takeFault(method, url);
    if (fault) {
      /* "CODE@200": the error document with status 200, as S3 may answer a completion */
      const [code, status] = fault.split('@');
      const err = new S3Error(code, `injected by the test harness: ${code}`);
      if (!status) throw err;
      ctx.status = Number(status);
      ctx.type = 'application/xml';
      ctx.body = err.toXML();
      return;
    }
    const m = /^\/([^/?]+)\/([^?]+)\?(.*)$/.exec(url);
    const query = m ? new URLSearchParams(m[3]) : null;
    if (method === 'DELETE' && query && query.has('uploadId') &&
        (ctx.headers.authorization || '').includes(`Credential=${accessKey}/`)) {
      /* AbortMultipartUpload, which s3rver lacks: remove the upload's parts */
      const bucket = decodeURIComponent(m[1]);
      const id = query.get('uploadId');
      const dir = path.join(ctx.store.getResourcePath(bucket, undefined, 'uploads'), id);
      if (!/^[0-9a-f]+$/.test(id) || !fs.existsSync(dir))
        throw new S3Error('NoSuchUpload', 'The specified upload does not exist.', { UploadId: id });
      fs.rmSync(dir, { recursive: true, force: true });
      ctx.status = 204;
      return;
    }
    await next();
  } catch (err) {
    failed = err.status || 500;
    throw err;
  } finally {
    accessLog.write(`${method} ${url} ${failed || ctx.status}\n`);
  }
}

/* after s3rver's logger and XML body encoder, before its router */
app.middleware.splice(2, 0, harness);

app.run().then(({ address, port }) => {
  console.log('lcbp3 test s3rver listening on %s:%d', address, port);
}, err => {
  console.error(err);
  process.exit(1);
});
EOF
}

# lc__s3_tls DIR: a private CA and a certificate for 127.0.0.1 signed by it (once)
lc__s3_tls() {
    local t=$1/tls
    [ -s "$t/server.pem" ] && [ -s "$t/ca.pem" ] && return 0
    mkdir -p "$t"
    chmod 700 "$t"
    (
        set -e
        umask 077
        cd "$t"
        openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=lcbp3 s3 test CA" \
            -keyout ca.key -out ca.pem \
            -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
        openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout server.key -out server.csr
        printf '%s\n' basicConstraints=CA:FALSE keyUsage=critical,digitalSignature,keyEncipherment \
            extendedKeyUsage=serverAuth subjectAltName=IP:127.0.0.1 >server.ext
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
            -extfile server.ext -out server.pem
    ) >"$1/tls.log" 2>&1 || {
        cat "$1/tls.log" >&2
        lc_fail "cannot make the S3 test certificates (openssl output above)"
    }
}

lc__s3_ready() { # SCHEME PORT: s3rver answers (any HTTP status)
    local code
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 -k "$1://127.0.0.1:$2/" 2>/dev/null) || return 1
    [ "$code" != 000 ]
}

# lc_start_s3 [--tls] [--region REGION] [NAME]: starts (or reuses, when running) s3rver
# on 127.0.0.1:$S3_PORT (http, or https with a private CA: $S3_CA) with the bucket
# $S3_BUCKET (lcbp3), the access key and secret in $S3_ACCESS_KEY_FILE and
# $S3_SECRET_KEY_FILE (0600; S3RVER/S3RVER is revoked), SigV4 checked for REGION
# (us-east-1). Restarting a stopped or killed instance keeps its data and, if free, its
# port. Waits up to 30 s; on failure prints the log and fails. Exports S3_NAME S3_DIR
# S3_PORT S3_BUCKET S3_DATA S3_ENDPOINT S3_CA S3_PID S3_LOG S3_ACCESS_LOG ...
lc_start_s3() {
    local scheme=http region=us-east-1 name d port pid attempt i node
    local -a flags
    while [ $# -gt 0 ]; do
        case $1 in
        --tls) scheme=https ;;
        --region) region=$2; shift ;;
        *) break ;;
        esac
        shift
    done
    name=${1:-s3}
    node=$(command -v node) || lc_fail "node is not installed (./dev deps installs nodejs)"
    [ -f "$LC_S3RVER_DIR/package.json" ] ||
        lc_fail "s3rver is not installed in '$LC_S3RVER_DIR' (run ./dev deps)"
    d="$LC_TMP/$name"
    mkdir -p "$d/data"
    chmod 700 "$d"
    lc__register "$name" s3
    echo lcbp3 >"$d/bucket"
    echo "$scheme" >"$d/scheme"
    [ "$scheme" = https ] && lc__s3_tls "$d"
    if [ ! -s "$LC_TMP/secrets/s3.access_key" ]; then
        (umask 077 && echo "LCBP3TEST$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr a-f A-F)" \
            >"$LC_TMP/secrets/s3.access_key")
    fi
    chmod 600 "$LC_TMP/secrets/s3.access_key"
    lc__secret_file "$LC_TMP/secrets/s3.secret_key"
    pid=$(lc__pid_of "$name")
    if [ -n "$pid" ] && lc__alive "$pid" && [ -s "$d/port" ] && lc__s3_ready "$scheme" "$(cat "$d/port")"; then
        lc__s3_export "$name"
        return 0
    fi
    rm -f "$d/server.pid"
    lc__s3_server_js >"$d/server.js"
    # DES for s3rver's continuation tokens is in OpenSSL 3's legacy provider; where this
    # node cannot load it, the launcher sends the tokens unenciphered
    flags=()
    if "$node" --openssl-legacy-provider -e 0 >/dev/null 2>&1; then
        flags=(--openssl-legacy-provider)
    fi
    for ((attempt = 1; attempt <= 3; attempt++)); do
        port=
        if [ -s "$d/port" ] && ! lc__port_in_use "$(cat "$d/port")"; then
            port=$(cat "$d/port")
        fi
        [ -n "$port" ] || port=$(lc_free_port) || exit 1
        echo "$port" >"$d/port"
        echo "---- start $(date -u +%FT%TZ) attempt $attempt port $port" >>"$d/server.log"
        # cwd is the instance directory (lc__pid_of checks it)
        lc__launch "$d/server.log" env -C "$d" \
            LC_S3RVER_DIR="$LC_S3RVER_DIR" LC_S3_PORT="$port" LC_S3_DATA="$d/data" \
            LC_S3_BUCKET="$(cat "$d/bucket")" LC_S3_REGION="$region" \
            LC_S3_ACCESS_KEY_FILE="$LC_TMP/secrets/s3.access_key" \
            LC_S3_SECRET_KEY_FILE="$LC_TMP/secrets/s3.secret_key" \
            LC_S3_ACCESS_LOG="$d/access.log" LC_S3_FAULTS="$d/faults" \
            LC_S3_TLS_DIR="$([ "$scheme" = https ] && echo "$d/tls")" \
            "$node" ${flags[@]+"${flags[@]}"} "$d/server.js"
        pid=$LC__PID
        for ((i = 0; i < 300; i++)); do # 30 s
            if lc__alive "$pid" && lc__port_in_use "$port" && lc__s3_ready "$scheme" "$port"; then
                echo "$pid" >"$d/server.pid"
                lc__s3_export "$name"
                return 0
            fi
            lc__alive "$pid" || break
            sleep 0.1
        done
        if lc__alive "$pid"; then
            lc__stop_pid "$pid" KILL 10
            tail -n 50 "$d/server.log" >&2
            lc_fail "s3rver '$name' did not answer on port $port within 30s (log above)"
        fi
        wait "$pid" 2>/dev/null || true
        if tail -n 20 "$d/server.log" | grep -q 'EADDRINUSE'; then
            rm -f "$d/port"
            continue
        fi
        break
    done
    tail -n 50 "$d/server.log" >&2
    lc_fail "s3rver '$name' failed to start (log above)"
}

lc_use_s3() { # NAME
    [ -s "$LC_TMP/$1/port" ] || lc_fail "no s3 instance '$1'"
    lc__s3_export "$1"
}

lc_stop_s3() { # [NAME]
    local name=${1:-${S3_NAME:-s3}}
    lc__stop_pid "$(lc__pid_of "$name")" TERM 30
    rm -f "$LC_TMP/$name/server.pid"
}

lc_kill_s3() { # [NAME]
    local name=${1:-${S3_NAME:-s3}}
    lc__stop_pid "$(lc__pid_of "$name")" KILL 10
    rm -f "$LC_TMP/$name/server.pid"
}

# lc_signal_s3 SIGNAL [NAME]: sends SIGNAL (STOP, CONT) to the node process
lc_signal_s3() {
    local sig=$1 name=${2:-${S3_NAME:-s3}} pid
    pid=$(lc__pid_of "$name")
    if [ -z "$pid" ] || ! lc__alive "$pid"; then
        lc_fail "s3 instance '$name' is not running"
    fi
    kill "-$sig" "$pid"
}

# lc_s3_fault CODE COUNT [METHOD] [URL-SUBSTRING]: the next COUNT matching requests
# get the S3 error CODE (HTTP status as AWS gives it) after their signature was checked
lc_s3_fault() {
    [ -n "${S3_DIR:-}" ] || lc_fail "lc_s3_fault: no s3 started"
    echo "$*" >>"$S3_DIR/faults"
}

# lc_s3_object_path KEY: where s3rver keeps the bytes of KEY (may not exist)
lc_s3_object_path() {
    echo "$S3_DATA/$S3_BUCKET/$1._S3rver_object"
}

# lc_s3_uploads: the multipart uploads in progress (ids), one a line
lc_s3_uploads() {
    local u="$S3_DATA/$S3_BUCKET/._S3rver_uploads"
    [ -d "$u" ] || return 0
    find "$u" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort
}

# lc_s3_target_args TARGET [PREFIX]: prints, one a line, the lc_write_config arguments
# of [target.TARGET] for the running instance: url (s3://BUCKET[/PREFIX]), s3_endpoint,
# access_key_file, secret_key_file, and ca_file over TLS. E.g.
#   mapfile -t args < <(lc_s3_target_args nas sets)
#   lc_write_config "$conf" --redis none --mariadb none "${args[@]}"
lc_s3_target_args() {
    local t=$1 prefix=${2:-}
    [ -n "${S3_PORT:-}" ] || lc_fail "lc_s3_target_args: no s3 started"
    echo "target.$t.url=s3://$S3_BUCKET${prefix:+/$prefix}"
    echo "target.$t.s3_endpoint=$S3_ENDPOINT"
    echo "target.$t.access_key_file=$S3_ACCESS_KEY_FILE"
    echo "target.$t.secret_key_file=$S3_SECRET_KEY_FILE"
    [ -n "$S3_CA" ] && echo "target.$t.ca_file=$S3_CA"
    return 0
}
