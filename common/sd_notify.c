/* The sd_notify(3) datagram, spoken without libsystemd (see sd_notify.h). */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/sd_notify.h"
#include "common/units.h"

int lc_sd_notify(const char *state, struct lc_err *err)
{
    const char *where = getenv("NOTIFY_SOCKET");
    struct sockaddr_un addr;
    size_t len;
    socklen_t addr_len;
    ssize_t sent;
    int fd;

    if (!where || !*where)
        return 0;
    len = strlen(where);
    if ((where[0] != '/' && where[0] != '@') || len < 2 || len >= sizeof(addr.sun_path))
        return lc_err_set(err, LC_E_OSERR, "NOTIFY_SOCKET '%s' is not a socket path or an "
                          "abstract name", where);
    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    memcpy(addr.sun_path, where, len);
    if (where[0] == '@')
        addr.sun_path[0] = '\0';   /* the abstract namespace: no terminating NUL counted */
    addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (where[0] == '/'));
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return lc_err_sys(err, LC_E_OSERR, "socket for NOTIFY_SOCKET");
    do
        sent = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&addr, addr_len);
    while (sent < 0 && errno == EINTR);
    if (sent < 0) {
        lc_err_sys(err, LC_E_OSERR, "telling the service manager at '%s'", where);
        close(fd);
        return -1;
    }
    close(fd);
    return 1;
}

uint64_t lc_sd_watchdog_usec(void)
{
    const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
    struct lc_err ignored = LC_ERR_INIT;
    int64_t value = 0, for_pid = 0;

    if (!usec || lc_parse_uint(usec, 1, INT64_MAX, &value, &ignored) < 0)
        return 0;
    if (pid && (lc_parse_uint(pid, 1, INT64_MAX, &for_pid, &ignored) < 0 ||
                for_pid != (int64_t)getpid()))
        return 0;
    return (uint64_t)value;
}
