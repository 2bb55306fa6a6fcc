/*
 * lcbp3-restore: not built yet. It answers --help, --version and --check-config and exits 70
 * for its commands (see tools/stub.h) until its issue lands.
 */
#include "tools/stub.h"

static const char usage[] =
"Usage: lcbp3-restore [OPTIONS] COMMAND\n"
    "Restore a backup set (or a legacy .sql, .sql.gz, .rdb) into MariaDB and Redis.\n"
    "\n"
    "Commands (not implemented yet: each exits 70):\n"
    "  list [--target NAME]                          sets in the spool and on the targets\n"
    "  db SET|FILE [--into DB] [--tables T1,T2] [--until TIME] [--yes]\n"
    "  redis SET|FILE [--yes]\n"
    "  set SET [--yes]                               database and Redis together\n";

int main(int argc, char **argv)
{
    static const char *const commands[] = {"list", "db", "redis", "set", (const char *)0};
    static const struct stub_tool tool = {"lcbp3-restore", usage, commands};

    return stub_main(&tool, argc, argv);
}
