/*
 * Unit tests of common/webdav_xml.c: Apache mod_dav's multistatus as it is on the wire
 * (D:, lp1:, g0: prefixes, a 404 propstat with empty properties), default and
 * redeclared namespaces, absolute and percent-encoded hrefs, entity and character
 * references, CDATA, comments, RFC 4331 quota, and every malformed document the reader
 * refuses; percent-decoding on its own.
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
#include "common/webdav_xml.h"

/* Sat, 05 Dec 2026 19:59:21 GMT */
#define T_APACHE ((time_t)1796500761)

static const char apache[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<D:multistatus xmlns:D=\"DAV:\" xmlns:ns0=\"DAV:\">\n"
    "<D:response xmlns:lp1=\"DAV:\" xmlns:lp2=\"http://apache.org/dav/props/\" xmlns:g0=\"DAV:\">\n"
    "<D:href>/dav/a/</D:href>\n"
    "<D:propstat>\n<D:prop>\n"
    "<lp1:resourcetype><D:collection/></lp1:resourcetype>\n"
    "<lp1:getlastmodified>Sat, 05 Dec 2026 19:59:21 GMT</lp1:getlastmodified>\n"
    "</D:prop>\n<D:status>HTTP/1.1 200 OK</D:status>\n</D:propstat>\n"
    "<D:propstat>\n<D:prop>\n<g0:getcontentlength/>\n<g0:quota-available-bytes/>\n</D:prop>\n"
    "<D:status>HTTP/1.1 404 Not Found</D:status>\n</D:propstat>\n"
    "</D:response>\n"
    "<D:response xmlns:lp1=\"DAV:\" xmlns:lp2=\"http://apache.org/dav/props/\" xmlns:g0=\"DAV:\">\n"
    "<D:href>/dav/a/b%20c+d.txt</D:href>\n"
    "<D:propstat>\n<D:prop>\n<lp1:resourcetype/>\n"
    "<lp1:getcontentlength>6</lp1:getcontentlength>\n"
    "<lp1:getlastmodified>Sat, 05 Dec 2026 19:59:21 GMT</lp1:getlastmodified>\n"
    "<lp2:executable>F</lp2:executable>\n"
    "</D:prop>\n<D:status>HTTP/1.1 200 OK</D:status>\n</D:propstat>\n"
    "<D:propstat>\n<D:prop>\n<g0:quota-available-bytes/>\n</D:prop>\n"
    "<D:status>HTTP/1.1 404 Not Found</D:status>\n</D:propstat>\n"
    "</D:response>\n"
    "</D:multistatus>\n";

static int parse(const char *xml, struct lc_webdav_multistatus *ms, struct lc_err *err)
{
    return lc_webdav_xml_parse(xml, strlen(xml), ms, err);
}

static void test_apache(void **state)
{
    struct lc_webdav_multistatus ms = {NULL, 0};
    struct lc_err err = LC_ERR_INIT;

    (void)state;
    assert_int_equal(parse(apache, &ms, &err), 0);
    assert_int_equal(ms.len, 2);
    assert_string_equal(ms.items[0].path, "/dav/a");
    assert_true(ms.items[0].collection);
    assert_false(ms.items[0].has_size);
    assert_false(ms.items[0].has_quota);
    assert_int_equal(ms.items[0].mtime, T_APACHE);
    assert_int_equal(ms.items[0].status, 0);
    assert_string_equal(ms.items[1].path, "/dav/a/b c+d.txt");
    assert_false(ms.items[1].collection);
    assert_true(ms.items[1].has_size);
    assert_int_equal(ms.items[1].size, 6);
    assert_int_equal(ms.items[1].mtime, T_APACHE);
    lc_webdav_multistatus_done(&ms);
    assert_null(ms.items);
    assert_int_equal(ms.len, 0);
    lc_webdav_multistatus_done(NULL);
}

/* default namespace, absolute hrefs, entities, CDATA, comments, BOM, quota */
static void test_default_namespace(void **state)
{
    static const char xml[] =
        "\xEF\xBB\xBF<?xml version='1.0'?><!-- a comment -->\n"
        "<multistatus xmlns='DAV:'>"
        " <response><href>https://nas.example:8443/webdav/lcbp3/</href>"
        "  <propstat><prop><resourcetype><collection/></resourcetype>"
        "   <quota-available-bytes> 1073741824 </quota-available-bytes>"
        "   <quota-used-bytes>5</quota-used-bytes></prop>"
        "   <status>HTTP/1.1 200 OK</status></propstat></response>"
        " <response><href>/webdav/lcbp3/R&amp;D%2Bx&#x20;&#36;&#x0E01;.tar</href>"
        "  <propstat><prop><getcontentlength><![CDATA[12]]>34</getcontentlength>"
        "   <resourcetype/><!-- <getcontentlength>9</getcontentlength> -->"
        "   <getlastmodified>not a date</getlastmodified></prop>"
        "   <status>HTTP/1.1 200 OK</status></propstat></response>"
        " <response><href>/webdav/lcbp3/gone</href>"
        "  <status>HTTP/1.1 404 Not Found</status></response>"
        "</multistatus>";
    struct lc_webdav_multistatus ms = {NULL, 0};
    struct lc_err err = LC_ERR_INIT;

    (void)state;
    assert_int_equal(parse(xml, &ms, &err), 0);
    assert_int_equal(ms.len, 3);
    assert_string_equal(ms.items[0].path, "/webdav/lcbp3");
    assert_true(ms.items[0].collection);
    assert_true(ms.items[0].has_quota);
    assert_int_equal(ms.items[0].quota_available, 1073741824ULL);
    assert_string_equal(ms.items[1].path, "/webdav/lcbp3/R&D+x $\xE0\xB8\x81.tar");
    assert_true(ms.items[1].has_size);
    assert_int_equal(ms.items[1].size, 1234);
    assert_int_equal(ms.items[1].mtime, 0);
    assert_false(ms.items[1].collection);
    assert_string_equal(ms.items[2].path, "/webdav/lcbp3/gone");
    assert_int_equal(ms.items[2].status, 404);
    lc_webdav_multistatus_done(&ms);
}

/* prefixes bind by scope: the same prefix means DAV: in one place and not in another */
static void test_namespace_scope(void **state)
{
    static const char xml[] =
        "<d:multistatus xmlns:d=\"DAV:\">"
        "<d:response><d:href>/x/a</d:href>"
        " <d:propstat xmlns:q=\"urn:other\"><d:prop>"
        "  <q:getcontentlength>99</q:getcontentlength>"
        "  <z:getcontentlength xmlns:z=\"DAV:\">7</z:getcontentlength>"
        "  <q:resourcetype><d:collection/></q:resourcetype>"
        " </d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"
        "<d:response xmlns:d=\"urn:not-dav\"><d:href>/x/ignored</d:href></d:response>"
        "<response xmlns=\"DAV:\"><href>/x/b/</href>"
        " <propstat><prop><resourcetype><D:collection xmlns:D=\"DAV:\"/></resourcetype>"
        " </prop><status>HTTP/1.1 200 OK</status></propstat></response>"
        "<d:response><d:href>/x/c</d:href>"
        " <d:propstat><d:prop><d:getcontentlength>11</d:getcontentlength></d:prop>"
        " <d:status>HTTP/1.1 403 Forbidden</d:status></d:propstat>"
        " <d:propstat><d:prop><d:getcontentlength>not read: no status</d:getcontentlength>"
        " </d:prop></d:propstat></d:response>"
        "</d:multistatus>";
    struct lc_webdav_multistatus ms = {NULL, 0};
    struct lc_err err = LC_ERR_INIT;

    (void)state;
    assert_int_equal(parse(xml, &ms, &err), 0);
    assert_int_equal(ms.len, 3);
    assert_string_equal(ms.items[0].path, "/x/a");
    assert_true(ms.items[0].has_size);
    assert_int_equal(ms.items[0].size, 7);
    assert_false(ms.items[0].collection);   /* q:resourcetype is not DAV: */
    assert_string_equal(ms.items[1].path, "/x/b");
    assert_true(ms.items[1].collection);
    assert_string_equal(ms.items[2].path, "/x/c");
    assert_false(ms.items[2].has_size);     /* 403 and status-less propstats */
    lc_webdav_multistatus_done(&ms);
}

static void test_empty_and_root_href(void **state)
{
    static const char xml[] =
        "<D:multistatus xmlns:D=\"DAV:\"/>";
    static const char root[] =
        "<D:multistatus xmlns:D=\"DAV:\"><D:response><D:href>https://h/</D:href>"
        "</D:response><D:response><D:href>http://h</D:href></D:response>"
        "<D:response><D:href> /a/?q=1 </D:href></D:response>"
        "<D:response><D:href>\n /b/&#xE9;&#x1F600; \n</D:href>"
        "<D:status> HTTP/1.1 200 OK</D:status></D:response></D:multistatus>";
    struct lc_webdav_multistatus ms = {NULL, 0};
    struct lc_err err = LC_ERR_INIT;

    (void)state;
    assert_int_equal(parse(xml, &ms, &err), 0);
    assert_int_equal(ms.len, 0);
    lc_webdav_multistatus_done(&ms);
    assert_int_equal(parse(root, &ms, &err), 0);
    assert_int_equal(ms.len, 4);
    assert_string_equal(ms.items[0].path, "");
    assert_string_equal(ms.items[1].path, "");
    assert_string_equal(ms.items[2].path, "/a");
    assert_string_equal(ms.items[3].path, "/b/\xC3\xA9\xF0\x9F\x98\x80");
    assert_int_equal(ms.items[3].status, 200);
    lc_webdav_multistatus_done(&ms);
}

static void expect_bad(const char *xml, const char *what)
{
    struct lc_webdav_multistatus ms = {(struct lc_webdav_entry *)1, 42};
    struct lc_err err = LC_ERR_INIT;

    if (lc_webdav_xml_parse(xml, strlen(xml), &ms, &err) == 0)
        fail_msg("accepted: %s", xml);
    assert_int_equal(err.status, LC_E_DATA);
    if (!strstr(err.msg, what))
        fail_msg("message '%s' lacks '%s'", err.msg, what);
    /* untouched on failure */
    assert_ptr_equal(ms.items, (struct lc_webdav_entry *)1);
    assert_int_equal(ms.len, 42);
}

#define MS_OPEN "<D:multistatus xmlns:D=\"DAV:\">"
#define MS_CLOSE "</D:multistatus>"
#define RESP(body) "<D:response><D:href>/a</D:href><D:propstat><D:prop>" body \
    "</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>"

static void test_malformed(void **state)
{
    struct lc_buf deep = LC_BUF_INIT;

    (void)state;
    expect_bad("", "no root element");
    expect_bad("   \n", "no root element");
    expect_bad("<html><body>502</body></html>", "not DAV:multistatus");
    expect_bad("<multistatus/>", "not DAV:multistatus");
    expect_bad("<!DOCTYPE x [<!ENTITY a \"b\">]>" MS_OPEN MS_CLOSE, "DOCTYPE");
    expect_bad(MS_OPEN "<D:response>", "ends inside an element");
    expect_bad(MS_OPEN "</D:response>" MS_CLOSE, "does not match");
    expect_bad(MS_OPEN "</D:multistatus", "unterminated end tag");
    expect_bad(MS_OPEN MS_CLOSE "</D:multistatus>", "without a start tag");
    expect_bad(MS_OPEN MS_CLOSE MS_OPEN MS_CLOSE, "after the root element");
    expect_bad(MS_OPEN MS_CLOSE "junk", "text outside the root element");
    expect_bad("junk" MS_OPEN MS_CLOSE, "text outside the root element");
    expect_bad(MS_OPEN "<D:response></D:response>" MS_CLOSE, "response without href");
    expect_bad(MS_OPEN "<D:response/>" MS_CLOSE, "response without href");
    expect_bad(MS_OPEN "<D:response><D:href>/a%00b</D:href></D:response>" MS_CLOSE, "%00");
    expect_bad(MS_OPEN "<D:response><D:href>&nbsp;</D:href></D:response>" MS_CLOSE,
               "unknown entity");
    expect_bad(MS_OPEN "<D:response><D:href>a & b</D:href></D:response>" MS_CLOSE,
               "starts no entity");
    expect_bad(MS_OPEN "<D:response><D:href>&#;</D:href></D:response>" MS_CLOSE,
               "empty character reference");
    expect_bad(MS_OPEN "<D:response><D:href>&#xZZ;</D:href></D:response>" MS_CLOSE,
               "bad character reference");
    expect_bad(MS_OPEN "<D:response><D:href>&#0;</D:href></D:response>" MS_CLOSE, "out of range");
    expect_bad(MS_OPEN "<D:response><D:href>&#xD800;</D:href></D:response>" MS_CLOSE,
               "out of range");
    expect_bad(MS_OPEN "<D:response><D:href>&#x110000;</D:href></D:response>" MS_CLOSE,
               "out of range");
    expect_bad(MS_OPEN RESP("<D:getcontentlength>12a</D:getcontentlength>") MS_CLOSE,
               "not a number");
    expect_bad(MS_OPEN RESP("<D:getcontentlength>-1</D:getcontentlength>") MS_CLOSE,
               "not a number");
    expect_bad(MS_OPEN RESP("<D:getcontentlength></D:getcontentlength>") MS_CLOSE,
               "not a number");
    expect_bad(MS_OPEN RESP("<D:getcontentlength>18446744073709551616</D:getcontentlength>")
               MS_CLOSE, "out of range");
    expect_bad(MS_OPEN RESP("<D:quota-available-bytes>lots</D:quota-available-bytes>") MS_CLOSE,
               "not a number");
    expect_bad(MS_OPEN "<D:response><D:href>/a</D:href><D:status>200</D:status></D:response>"
               MS_CLOSE, "status");
    expect_bad(MS_OPEN "<D:response><D:href>/a</D:href><D:status>HTTP/1.1 20</D:status>"
               "</D:response>" MS_CLOSE, "status");
    expect_bad(MS_OPEN "<D:response a=b/>" MS_CLOSE, "without quotes");
    expect_bad(MS_OPEN "<D:response a/>" MS_CLOSE, "without '='");
    expect_bad(MS_OPEN "<D:response a=\"b/>" MS_CLOSE, "unterminated attribute");
    expect_bad(MS_OPEN "<D:response / >" MS_CLOSE, "'/' inside a tag");
    expect_bad(MS_OPEN "<D:response", "unterminated tag");
    expect_bad(MS_OPEN "< D:response/>" MS_CLOSE, "without an element name");
    expect_bad(MS_OPEN "<D:response =\"x\"/>" MS_CLOSE, "bad attribute");
    expect_bad(MS_OPEN "<!-- x", "unterminated comment");
    expect_bad(MS_OPEN "<?pi x", "unterminated processing instruction");
    expect_bad(MS_OPEN "<D:href><![CDATA[x", "unterminated CDATA");
    expect_bad(MS_OPEN "<D:x xmlns:y=\"a&b;\"/>" MS_CLOSE, "unknown entity");

    /* 64 levels is the limit */
    lc_buf_puts(&deep, MS_OPEN);
    for (int idx = 0; idx < 70; idx++)
        lc_buf_puts(&deep, "<D:prop>");
    expect_bad(deep.data, "deeper than 64");
    lc_buf_reset(&deep);
    /* as is the number of namespace declarations in scope */
    lc_buf_puts(&deep, MS_OPEN "<D:x");
    for (int idx = 0; idx < 300; idx++)
        lc_buf_printf(&deep, " xmlns:p%d=\"urn:%d\"", idx, idx);
    lc_buf_puts(&deep, "/>" MS_CLOSE);
    expect_bad(deep.data, "namespace declarations");
    lc_buf_reset(&deep);
    /* and the length of one value */
    lc_buf_puts(&deep, MS_OPEN "<D:response><D:href>");
    for (int idx = 0; idx < 70 * 1024; idx++)
        lc_buf_putc(&deep, 'a');
    lc_buf_puts(&deep, "</D:href></D:response>" MS_CLOSE);
    expect_bad(deep.data, "longer than 64 KiB");
    lc_buf_reset(&deep);
    lc_buf_puts(&deep, MS_OPEN "<D:response><D:href><![CDATA[");
    for (int idx = 0; idx < 70 * 1024; idx++)
        lc_buf_putc(&deep, 'a');
    lc_buf_puts(&deep, "]]></D:href></D:response>" MS_CLOSE);
    expect_bad(deep.data, "longer than 64 KiB");
    lc_buf_done(&deep);
}

/* a NUL byte in the document is not text the reader takes */
static void test_embedded_nul(void **state)
{
    static const char xml[] = MS_OPEN "<D:response><D:href>/a\0b</D:href></D:response>" MS_CLOSE;
    struct lc_webdav_multistatus ms = {NULL, 0};
    struct lc_err err = LC_ERR_INIT;

    (void)state;
    assert_int_equal(lc_webdav_xml_parse(xml, sizeof(xml) - 1, &ms, &err), -1);
    assert_int_equal(err.status, LC_E_DATA);
}

static void test_percent_decode(void **state)
{
    char *s;

    (void)state;
    s = lc_webdav_percent_decode("a%20b+c%2Bd%2fe", 15);
    assert_string_equal(s, "a b+c+d/e");
    free(s);
    s = lc_webdav_percent_decode("100%", 4);
    assert_string_equal(s, "100%");
    free(s);
    s = lc_webdav_percent_decode("%4", 2);
    assert_string_equal(s, "%4");
    free(s);
    s = lc_webdav_percent_decode("%zz%e0%B8%81", 12);
    assert_string_equal(s, "%zz\xE0\xB8\x81");
    free(s);
    s = lc_webdav_percent_decode("abc", 2);
    assert_string_equal(s, "ab");
    free(s);
    s = lc_webdav_percent_decode("", 0);
    assert_string_equal(s, "");
    free(s);
    assert_null(lc_webdav_percent_decode("a%00", 4));
    assert_null(lc_webdav_percent_decode("a\0b", 3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_apache),
        cmocka_unit_test(test_default_namespace),
        cmocka_unit_test(test_namespace_scope),
        cmocka_unit_test(test_empty_and_root_href),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_embedded_nul),
        cmocka_unit_test(test_percent_decode),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
