/*
 * lcbp3-integrity: not built yet. It answers --help, --version and --check-config and exits 70
 * for its commands (see tools/stub.h) until its issue lands.
 */
#include "tools/stub.h"

static const char usage[] =
"Usage: lcbp3-integrity [OPTIONS] COMMAND\n"
    "Check numbering sequences, service health and backups (exit 0 OK, 1 WARNING,\n"
    "2 CRITICAL, 3 UNKNOWN).\n"
    "\n"
    "Commands (not implemented yet: each exits 70):\n"
    "  sequences | health | backups | all  [--deep] [--target NAME] [--prometheus FILE]\n";

int main(int argc, char **argv)
{
    static const char *const commands[] = {"sequences", "health", "backups", "all", (const char *)0};
    static const struct stub_tool tool = {"lcbp3-integrity", usage, commands};

    return stub_main(&tool, argc, argv);
}
