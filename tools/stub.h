/*
 * The command line of a program whose commands are not built yet: it answers --help,
 * --version and --check-config like the finished tools, knows its command names (so a
 * typo is still a usage error, 64), and exits 70 "not implemented yet" for a command
 * instead of pretending to succeed. Each tool leaves this when its issue lands.
 */
#ifndef LC_TOOLS_STUB_H
#define LC_TOOLS_STUB_H

struct stub_tool {
    const char *program;
    const char *usage;
    const char *const *commands;   /* NULL-terminated; empty list: no command word */
};

int stub_main(const struct stub_tool *tool, int argc, char **argv);

#endif
