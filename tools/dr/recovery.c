/* placeholder: being written */
#include "tools/dr/dr.h"

int dr_plan(const struct lc_config *cfg, const struct dr_opts *opts, struct lc_err *err)
{
    (void)cfg;
    (void)opts;
    return lc_err_set(err, LC_E_SOFTWARE, "'plan' is not implemented yet");
}

int dr_run(const struct lc_config *cfg, const struct dr_opts *opts, struct lc_err *err)
{
    (void)cfg;
    (void)opts;
    return lc_err_set(err, LC_E_SOFTWARE, "'run' is not implemented yet");
}
