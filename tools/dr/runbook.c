/*
 * lcbp3-dr runbook NAME: finds the runbook (placeholder: the runbooks are being written).
 */
#include "tools/dr/runbook.h"

int dr_runbook(const struct lc_config *cfg, const struct dr_opts *opts, struct lc_err *err)
{
    (void)cfg;
    (void)opts;
    return lc_err_set(err, LC_E_SOFTWARE, "'runbook' is not implemented yet");
}
