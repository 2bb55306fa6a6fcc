/*
 * The sftp target driver (not built yet: its open() refuses).
 */
#include "common/target.h"

static int open_sftp(struct lc_target *t, struct lc_err *err)
{
    return lc_err_set(err, LC_E_SOFTWARE, "the sftp driver is not built yet");
}

const struct lc_target_ops lc_target_sftp_ops = {
    .scheme = "sftp",
    .open = open_sftp,
};
