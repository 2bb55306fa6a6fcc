/*
 * Unit tests of common/s3_xml.c: S3's answers as s3rver and AWS send them (error
 * documents, InitiateMultipartUploadResult, ListObjectsV2 pages with Owner,
 * CommonPrefixes and a continuation token), prefixed element names, entity and
 * character references, CDATA, comments, and every malformed document the reader
 * refuses; ISO 8601 times.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/s3_xml.h"

/* 2026-12-05T19:59:21Z */
#define T_1 ((time_t)1796500761)

static const char list_page[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<ListBucketResult xmlns=\"http://doc.s3.amazonaws.com/2006-03-01/\">"
    "<Name>lcbp3</Name><Prefix>sets/p/</Prefix>"
    "<ContinuationToken>abc</ContinuationToken>"
    "<NextContinuationToken>1UASU+mkj/m8n=</NextContinuationToken>"
    "<KeyCount>2</KeyCount><MaxKeys>2</MaxKeys><Delimiter>/</Delimiter>"
    "<IsTruncated>true</IsTruncated>"
    "<Contents><Key>sets/p/set-01.tar</Key><LastModified>2026-12-05T19:59:21.000Z</LastModified>"
    "<ETag>&quot;0cc175b9c0f1b6a831c399e269772661&quot;</ETag><Size>101</Size>"
    "<Owner><ID>123</ID><DisplayName>S3rver</DisplayName></Owner>"
    "<StorageClass>STANDARD</StorageClass></Contents>"
    "<Contents><Key>sets/p/a &amp; b+c &#x0E01;&#3585;.tar</Key>"
    "<LastModified>not a time</LastModified><Size>18446744073709551615</Size></Contents>"
    "<CommonPrefixes><Prefix>sets/p/sub/</Prefix></CommonPrefixes>"
    "</ListBucketResult>\n";

static int list(const char *xml, struct lc_s3_list_page *page, struct lc_err *err)
{
    return lc_s3_xml_list(xml, strlen(xml), page, err);
}

static void test_list_page(void **state)
{
    struct lc_s3_list_page page;
    struct lc_err err = LC_ERR_INIT;

    (void)state;
    assert_int_equal(list(list_page, &page, &err), 0);
    assert_int_equal(page.len, 2);
    assert_true(page.truncated);
    assert_string_equal(page.next_token, "1UASU+mkj/m8n=");
    assert_string_equal(page.items[0].key, "sets/p/set-01.tar");
    assert_int_equal(page.items[0].size, 101);
    assert_int_equal(page.items[0].mtime, T_1);
    /* entities and character references, decimal and hex, to UTF-8 (U+0E01 twice) */
    assert_string_equal(page.items[1].key, "sets/p/a & b+c \xE0\xB8\x81\xE0\xB8\x81.tar");
    assert_true(page.items[1].size == UINT64_MAX);
    assert_int_equal(page.items[1].mtime, 0);
    lc_s3_list_page_done(&page);
    lc_s3_list_page_done(&page); /* twice is harmless */
    lc_s3_list_page_done(NULL);
}

static void test_list_last_and_empty(void **state)
{
    struct lc_s3_list_page page;
    struct lc_err err = LC_ERR_INIT;

    (void)state;
    /* a prefixed root, comments, CDATA, a self-closing element, a last page */
    assert_int_equal(list("\xEF\xBB\xBF<!-- c --><s3:ListBucketResult xmlns:s3='x'>\n"
                          "  <s3:IsTruncated>false</s3:IsTruncated><s3:Prefix/>\n"
                          "  <s3:Contents><s3:Key><![CDATA[a<b>]]>&lt;<!-- x -->c</s3:Key>"
                          "<s3:Size>0</s3:Size></s3:Contents>\n"
                          "</s3:ListBucketResult><?pi x?>\n", &page, &err), 0);
    assert_int_equal(page.len, 1);
    assert_false(page.truncated);
    assert_null(page.next_token);
    assert_string_equal(page.items[0].key, "a<b><c");
    assert_int_equal(page.items[0].size, 0);
    lc_s3_list_page_done(&page);

    /* white space around '=' and before '>' of end tags */
    assert_int_equal(list("<ListBucketResult a = \"1\" b='2'><KeyCount>0</KeyCount >"
                          "</ListBucketResult\n>", &page, &err), 0);
    assert_int_equal(page.len, 0);
    assert_null(page.items);
    lc_s3_list_page_done(&page);

    /* many items grow the array */
    {
        struct lc_buf b = LC_BUF_INIT;

        lc_buf_puts(&b, "<ListBucketResult>");
        for (int idx = 0; idx < 300; idx++)
            lc_buf_printf(&b, "<Contents><Key>k%03d</Key><Size>%d</Size></Contents>", idx, idx);
        lc_buf_puts(&b, "</ListBucketResult>");
        assert_int_equal(list(b.data, &page, &err), 0);
        assert_int_equal(page.len, 300);
        assert_string_equal(page.items[299].key, "k299");
        assert_int_equal(page.items[299].size, 299);
        lc_s3_list_page_done(&page);
        lc_buf_done(&b);
    }
}

static void expect_list_bad(const char *xml, const char *what)
{
    struct lc_s3_list_page page = {NULL, 0, 7, NULL};
    struct lc_err err = LC_ERR_INIT;

    assert_int_equal(list(xml, &page, &err), -1);
    assert_int_equal(err.status, LC_E_DATA);
    if (!strstr(err.msg, what))
        fail_msg("'%s': message '%s' lacks '%s'", xml, err.msg, what);
    assert_int_equal(page.truncated, 7); /* untouched */
}

static void test_list_refused(void **state)
{
    (void)state;
    expect_list_bad("<Error><Code>x</Code></Error>", "not a ListBucketResult");
    expect_list_bad("<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>",
                    "without Key or Size");
    expect_list_bad("<ListBucketResult><Contents><Key>a</Key></Contents></ListBucketResult>",
                    "without Key or Size");
    expect_list_bad("<ListBucketResult><Contents><Key>a</Key><Size>-1</Size></Contents>"
                    "</ListBucketResult>", "is not a number");
    expect_list_bad("<ListBucketResult><Contents><Key>a</Key><Size></Size></Contents>"
                    "</ListBucketResult>", "is not a number");
    expect_list_bad("<ListBucketResult><Contents><Key>a</Key><Size>18446744073709551616</Size>"
                    "</Contents></ListBucketResult>", "is not a number");
    expect_list_bad("<ListBucketResult><IsTruncated>yes</IsTruncated></ListBucketResult>",
                    "IsTruncated is 'yes'");
    /* a partial page is freed: items read before the error do not leak */
    expect_list_bad("<ListBucketResult><Contents><Key>a</Key><Size>1</Size></Contents>"
                    "<NextContinuationToken>t</NextContinuationToken>"
                    "<Contents><Key>b</Key><Key>c</Key></Contents></ListBucketResult>",
                    "without Key or Size");
    expect_list_bad("<ListBucketResult><Contents><Key>a</Key><Size>1</Size></Contents>",
                    "ends inside an element");
}

static void expect_malformed(const char *xml, size_t len, const char *what)
{
    struct lc_s3_list_page page = {NULL, 0, 0, NULL};
    struct lc_err err = LC_ERR_INIT;

    assert_int_equal(lc_s3_xml_list(xml, len, &page, &err), -1);
    assert_int_equal(err.status, LC_E_DATA);
    if (!strstr(err.msg, "malformed XML at byte ") || !strstr(err.msg, what))
        fail_msg("'%.*s': message '%s' lacks '%s'", (int)len, xml, err.msg, what);
    /* the other readers refuse it as well */
    assert_false(lc_s3_xml_root_is(xml, len, "ListBucketResult"));
}

#define BAD(xml, what) expect_malformed(xml, sizeof(xml) - 1, what)

static void test_malformed(void **state)
{
    static char big[70 * 1024 + 16];
    char deep[32 * 4 + 64];
    size_t off = 0;

    (void)state;
    BAD("", "no root element");
    BAD("  \n<!-- only a comment -->", "no root element");
    BAD("<?xml version='1.0'", "unterminated processing instruction");
    BAD("<!-- x", "unterminated comment");
    BAD("<a><![CDATA[x</a>", "unterminated CDATA");
    BAD("<![CDATA[x]]><a/>", "CDATA outside the root");
    BAD("<!DOCTYPE a [<!ENTITY e 'x'>]><a>&e;</a>", "DOCTYPE");
    BAD("text<a/>", "text outside the root");
    BAD("<a/>x", "text outside the root");
    BAD("<a/><b/>", "a second root element");
    BAD("<a></b>", "does not match its start tag");
    BAD("<a></a></a>", "an end tag without a start tag");
    BAD("<a></a", "an end tag without '>'");
    BAD("</>", "a name was expected");
    BAD("<1a/>", "a name was expected");
    BAD("<a", "ends inside a tag");
    BAD("<a x/>", "without '='");
    BAD("<a x=1/>", "without quotes");
    BAD("<a x='1/>", "a bad attribute value");
    BAD("<a x='<'/>", "a bad attribute value");
    BAD("<a /x>", "'/' not followed by '>'");
    BAD("<a>&unknown;</a>", "an unknown entity");
    BAD("<a>&amp</a>", "an unterminated '&' reference");
    BAD("<a>&#;</a>", "an empty character reference");
    BAD("<a>&#x;</a>", "an empty character reference");
    BAD("<a>&#xZ1;</a>", "a bad character reference");
    BAD("<a>&#0;</a>", "out of range");
    BAD("<a>&#xD800;</a>", "out of range");
    BAD("<a>&#x110000;</a>", "out of range");
    BAD("<a>x\0y</a>", "a NUL byte");
    for (int idx = 0; idx < 33; idx++)
        off += (size_t)snprintf(deep + off, sizeof(deep) - off, "<a>");
    expect_malformed(deep, off, "nested more than 32 deep");
    memcpy(big, "<a>", 3);
    memset(big + 3, 'x', 70 * 1024);
    memcpy(big + 3 + 70 * 1024, "</a>", 4);
    expect_malformed(big, 70 * 1024 + 7, "longer than 64 KiB");
    memcpy(big, "<a><![CDATA[", 12);
    memcpy(big + 70 * 1024, "]]></a>", 7);
    expect_malformed(big, 70 * 1024 + 7, "longer than 64 KiB");
}

static void test_character_references(void **state)
{
    struct lc_s3_list_page page;
    struct lc_err err = LC_ERR_INIT;

    (void)state;
    /* 1-, 2-, 3- and 4-byte UTF-8, &apos; and &gt; */
    assert_int_equal(list("<ListBucketResult><Contents><Key>&#65;&#xe9;&#x20AC;&#x1F600;"
                          "&apos;&gt;&quot;</Key><Size>1</Size></Contents></ListBucketResult>",
                          &page, &err), 0);
    assert_string_equal(page.items[0].key, "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80'>\"");
    lc_s3_list_page_done(&page);
}

static int err_doc(const char *xml, struct lc_s3_error *e)
{
    return lc_s3_xml_error(xml, strlen(xml), e);
}

static int uid(const char *xml, char **id, struct lc_err *err)
{
    return lc_s3_xml_upload_id(xml, strlen(xml), id, err);
}

static void test_error(void **state)
{
    static const char s3rver[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SignatureDoesNotMatch</Code>"
        "<Message>The request signature we calculated does not match the signature you "
        "provided. Check your key and signing method.</Message>"
        "<AWSAccessKeyId>AK</AWSAccessKeyId><StringToSign>AWS4-HMAC-SHA256\n20261205T201013Z"
        "</StringToSign></Error>";
    struct lc_s3_error e = {NULL, NULL};

    (void)state;
    assert_int_equal(lc_s3_xml_error(s3rver, strlen(s3rver), &e), 1);
    assert_string_equal(e.code, "SignatureDoesNotMatch");
    assert_non_null(strstr(e.message, "Check your key"));
    lc_s3_error_done(&e);
    assert_null(e.code);
    lc_s3_error_done(NULL);

    /* entities in the message, a repeated Code (the last counts), nested Code ignored */
    assert_int_equal(err_doc("<Error><Code>A</Code><Code>AuthorizationHeaderMalformed"
                                     "</Code><Detail><Code>X</Code></Detail><Message>the region "
                                     "&apos;eu&apos; is wrong</Message><Message>2nd</Message>"
                                     "</Error>", &e), 1);
    assert_string_equal(e.code, "AuthorizationHeaderMalformed");
    assert_string_equal(e.message, "2nd");
    lc_s3_error_done(&e);

    /* no Message, an empty Code */
    assert_int_equal(err_doc("<Error><Code/></Error>", &e), 1);
    assert_string_equal(e.code, "");
    assert_null(e.message);
    lc_s3_error_done(&e);

    /* not an error document: 0, *out untouched */
    e.code = (char *)"keep";
    assert_int_equal(err_doc("", &e), 0);
    assert_int_equal(err_doc("<ListBucketResult/>", &e), 0);
    assert_int_equal(err_doc("<Error><Code>x</Code>", &e), 0);
    assert_int_equal(err_doc("<html>503</html>", &e), 0);
    assert_string_equal(e.code, "keep");
}

static void test_root_is(void **state)
{
    static const char done[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CompleteMultipartUploadResult>"
        "<Location>http://127.0.0.1/lcbp3/k</Location><Bucket>lcbp3</Bucket><Key>k</Key>"
        "<ETag>\"abc-3\"</ETag></CompleteMultipartUploadResult>";
    static const char failed[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\n<Error><Code>InternalError</Code>"
        "<Message>We encountered an internal error. Please try again.</Message></Error>";

    (void)state;
    assert_true(lc_s3_xml_root_is(done, strlen(done), "CompleteMultipartUploadResult"));
    assert_false(lc_s3_xml_root_is(failed, strlen(failed), "CompleteMultipartUploadResult"));
    assert_false(lc_s3_xml_root_is(done, strlen(done) - 1, "CompleteMultipartUploadResult"));
    assert_false(lc_s3_xml_root_is("", 0, "CompleteMultipartUploadResult"));
}

static void test_upload_id(void **state)
{
    static const char ok[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<InitiateMultipartUploadResult "
        "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Bucket>lcbp3</Bucket><Key>k</Key>"
        "<UploadId>VXBsb2FkIElE&amp;-x</UploadId></InitiateMultipartUploadResult>";
    struct lc_err err = LC_ERR_INIT;
    char *id = NULL;

    (void)state;
    assert_int_equal(lc_s3_xml_upload_id(ok, strlen(ok), &id, &err), 0);
    assert_string_equal(id, "VXBsb2FkIElE&-x");
    free(id);
    id = NULL;

    assert_int_equal(uid("<InitiateMultipartUploadResult><UploadId/>"
                                         "</InitiateMultipartUploadResult>", &id, &err), -1);
    assert_int_equal(err.status, LC_E_DATA);
    assert_non_null(strstr(err.msg, "has no UploadId"));
    assert_int_equal(uid("<InitiateMultipartUploadResult><Bucket>b</Bucket>"
                                         "</InitiateMultipartUploadResult>", &id, &err), -1);
    assert_non_null(strstr(err.msg, "has no UploadId"));
    assert_int_equal(uid("<Error><UploadId>x</UploadId></Error>", &id, &err),
                     -1);
    assert_non_null(strstr(err.msg, "not an InitiateMultipartUploadResult"));
    assert_int_equal(uid("<InitiateMultipartUploadResult><UploadId>x</UploadId>", &id, &err), -1);
    assert_non_null(strstr(err.msg, "malformed XML"));
    assert_null(id);
}

static void test_time(void **state)
{
    (void)state;
    assert_int_equal(lc_s3_xml_time("2026-12-05T19:59:21.000Z"), T_1);
    assert_int_equal(lc_s3_xml_time("2026-12-05T19:59:21Z"), T_1);
    assert_int_equal(lc_s3_xml_time("2026-12-05T19:59:21.123456+00:00"), T_1);
    assert_int_equal(lc_s3_xml_time("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(lc_s3_xml_time(""), 0);
    assert_int_equal(lc_s3_xml_time("2026-12-05 19:59:21Z"), 0);
    assert_int_equal(lc_s3_xml_time("2026-12-05T19:59:21"), 0);
    assert_int_equal(lc_s3_xml_time("2026-12-05T19:59:21.Z"), 0);
    assert_int_equal(lc_s3_xml_time("2026-12-05T19:59:21+07:00"), 0);
    assert_int_equal(lc_s3_xml_time("2026-13-05T19:59:21Z"), 0);
    assert_int_equal(lc_s3_xml_time("2026-00-05T19:59:21Z"), 0);
    assert_int_equal(lc_s3_xml_time("2026-12-32T19:59:21Z"), 0);
    assert_int_equal(lc_s3_xml_time("2026-12-00T19:59:21Z"), 0);
    assert_int_equal(lc_s3_xml_time("2026-12-05T24:59:21Z"), 0);
    assert_int_equal(lc_s3_xml_time("2026-12-05T19:60:21Z"), 0);
    assert_int_equal(lc_s3_xml_time("2026-12-05T19:59:61Z"), 0);
    assert_int_equal(lc_s3_xml_time("1969-12-31T23:59:59Z"), 0);
    assert_int_equal(lc_s3_xml_time("2026x12-05T19:59:21Z"), 0);
    assert_int_equal(lc_s3_xml_time("2026-12x05T19:59:21Z"), 0);
    assert_int_equal(lc_s3_xml_time("2026-12-05T19x59:21Z"), 0);
    assert_int_equal(lc_s3_xml_time("2026-12-05T19:59x21Z"), 0);
    assert_int_equal(lc_s3_xml_time("2026-1a-05T19:59:21Z"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_page),
        cmocka_unit_test(test_list_last_and_empty),
        cmocka_unit_test(test_list_refused),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_character_references),
        cmocka_unit_test(test_error),
        cmocka_unit_test(test_root_is),
        cmocka_unit_test(test_upload_id),
        cmocka_unit_test(test_time),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
