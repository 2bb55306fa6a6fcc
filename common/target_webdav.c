/*
 * The webdav target driver (not built yet: its open() refuses).
 */
#include "common/target.h"

static int open_webdav(struct lc_target *t, struct lc_err *err)
{
    return lc_err_set(err, LC_E_SOFTWARE, "the webdav driver is not built yet");
}

const struct lc_target_ops lc_target_webdav_ops = {
    .scheme = "https",
    .open = open_webdav,
};
