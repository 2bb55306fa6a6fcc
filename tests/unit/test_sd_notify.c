/*
 * Unit tests of common/sd_notify.c against real AF_UNIX datagram sockets: a message
 * arrives whole at a socket path and at an abstract name, nothing is sent without
 * NOTIFY_SOCKET, a bad NOTIFY_SOCKET or an absent listener is an error with the
 * address in the message, and WATCHDOG_USEC counts only for the pid it names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/sd_notify.h"

/* A bound datagram socket at `name` ("/path" or "@abstract"); returns its fd. */
static int listen_at(const char *name)
{
    struct sockaddr_un addr;
    size_t len = strlen(name);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

    assert_true(fd >= 0);
    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    memcpy(addr.sun_path, name, len);
    if (name[0] == '@')
        addr.sun_path[0] = '\0';
    assert_int_equal(bind(fd, (struct sockaddr *)&addr,
                          (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
                                      (name[0] == '/'))), 0);
    return fd;
}

/* The next datagram on fd, which must be there already. */
static void expect_datagram(int fd, const char *want)
{
    char buf[256];
    ssize_t got = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

    assert_true(got >= 0);
    buf[got] = '\0';
    assert_string_equal(buf, want);
}

static void test_path(void **state)
{
    char dir[] = "/tmp/lc-sd-notify-XXXXXX", path[64];
    struct lc_err err = LC_ERR_INIT;
    int fd;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/notify", dir);
    fd = listen_at(path);
    setenv("NOTIFY_SOCKET", path, 1);
    assert_int_equal(lc_sd_notify("READY=1\nSTATUS=following mysql-bin.000001", &err), 1);
    expect_datagram(fd, "READY=1\nSTATUS=following mysql-bin.000001");
    assert_int_equal(lc_sd_notify("STOPPING=1", &err), 1);
    expect_datagram(fd, "STOPPING=1");
    close(fd);

    /* the listener is gone: an error naming the address */
    assert_int_equal(unlink(path), 0);
    assert_int_equal(lc_sd_notify("WATCHDOG=1", &err), -1);
    assert_int_equal(err.status, LC_E_OSERR);
    assert_non_null(strstr(err.msg, path));
    unsetenv("NOTIFY_SOCKET");
    assert_int_equal(rmdir(dir), 0);
}

static void test_abstract(void **state)
{
    char name[64];
    struct lc_err err = LC_ERR_INIT;
    int fd;

    (void)state;
    snprintf(name, sizeof(name), "@lc-sd-notify-test-%ld", (long)getpid());
    fd = listen_at(name);
    setenv("NOTIFY_SOCKET", name, 1);
    assert_int_equal(lc_sd_notify("WATCHDOG=1", &err), 1);
    expect_datagram(fd, "WATCHDOG=1");
    unsetenv("NOTIFY_SOCKET");
    close(fd);
}

static void test_no_manager(void **state)
{
    struct lc_err err = LC_ERR_INIT;

    (void)state;
    unsetenv("NOTIFY_SOCKET");
    assert_int_equal(lc_sd_notify("READY=1", &err), 0);
    setenv("NOTIFY_SOCKET", "", 1);
    assert_int_equal(lc_sd_notify("READY=1", &err), 0);
    assert_int_equal(err.status, LC_OK);

    setenv("NOTIFY_SOCKET", "relative/notify", 1);
    assert_int_equal(lc_sd_notify("READY=1", &err), -1);
    assert_int_equal(err.status, LC_E_OSERR);
    assert_non_null(strstr(err.msg, "'relative/notify' is not a socket path"));
    unsetenv("NOTIFY_SOCKET");
}

static void test_watchdog(void **state)
{
    char pid[32];

    (void)state;
    unsetenv("WATCHDOG_PID");
    unsetenv("WATCHDOG_USEC");
    assert_int_equal(lc_sd_watchdog_usec(), 0);
    setenv("WATCHDOG_USEC", "180000000", 1);
    assert_int_equal(lc_sd_watchdog_usec(), 180000000);
    snprintf(pid, sizeof(pid), "%ld", (long)getpid());
    setenv("WATCHDOG_PID", pid, 1);
    assert_int_equal(lc_sd_watchdog_usec(), 180000000);
    snprintf(pid, sizeof(pid), "%ld", (long)getpid() + 1);
    setenv("WATCHDOG_PID", pid, 1);
    assert_int_equal(lc_sd_watchdog_usec(), 0);   /* meant for another process */
    unsetenv("WATCHDOG_PID");
    setenv("WATCHDOG_USEC", "soon", 1);
    assert_int_equal(lc_sd_watchdog_usec(), 0);
    setenv("WATCHDOG_USEC", "0", 1);
    assert_int_equal(lc_sd_watchdog_usec(), 0);
    unsetenv("WATCHDOG_USEC");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path),
        cmocka_unit_test(test_abstract),
        cmocka_unit_test(test_no_manager),
        cmocka_unit_test(test_watchdog),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
