/*
 * lcbp3-dr: not built yet. It answers --help, --version and --check-config and exits 70
 * for its commands (see tools/stub.h) until its issue lands.
 */
#include "tools/stub.h"

static const char usage[] =
"Usage: lcbp3-dr [OPTIONS] COMMAND\n"
    "The disaster-recovery runbook as a program.\n"
    "\n"
    "Commands (not implemented yet: each exits 70):\n"
    "  plan                          print the recovery runbook as numbered steps\n"
    "  run [--from-step N] [--yes]   run it, resumable\n"
    "  drill [--report DIR]          restore the latest set somewhere harmless, verify, measure\n"
    "  runbook NAME [--apply]        diagnostic runbooks\n";

int main(int argc, char **argv)
{
    static const char *const commands[] = {"plan", "run", "drill", "runbook", (const char *)0};
    static const struct stub_tool tool = {"lcbp3-dr", usage, commands};

    return stub_main(&tool, argc, argv);
}
