/*
 * The s3 target driver (not built yet: its open() refuses).
 */
#include "common/target.h"

static int open_s3(struct lc_target *t, struct lc_err *err)
{
    return lc_err_set(err, LC_E_SOFTWARE, "the s3 driver is not built yet");
}

const struct lc_target_ops lc_target_s3_ops = {
    .scheme = "s3",
    .open = open_s3,
};
