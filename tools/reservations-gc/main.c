/*
 * lcbp3-reservations-gc: not built yet. It answers --help, --version and --check-config and exits 70
 * for its commands (see tools/stub.h) until its issue lands.
 */
#include "tools/stub.h"

static const char usage[] =
"Usage: lcbp3-reservations-gc [OPTIONS]\n"
    "Remove leaked reservation keys (no TTL) from Redis and expire overdue reservation\n"
    "rows in MariaDB.\n"
    "\n"
    "Not implemented yet: exits 70.\n"
    "  [--dry-run] [--pattern GLOB] [--batch N] [--max-rate N] [--redis-only|--db-only]\n";

int main(int argc, char **argv)
{
    static const char *const commands[] = {(const char *)0};
    static const struct stub_tool tool = {"lcbp3-reservations-gc", usage, commands};

    return stub_main(&tool, argc, argv);
}
