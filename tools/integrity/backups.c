/* placeholder: the numbering-sequence checks are being written */
#include "tools/integrity/integrity.h"

void ic_check_backups(const struct lc_config *cfg, const struct ic_opts *opts, struct ic_report *r)
{
    struct lc_err err = LC_ERR_INIT;

    (void)cfg;
    (void)opts;
    ic_report_group(r, "backups");
    lc_err_set(&err, LC_E_SOFTWARE, "not implemented yet");
    ic_report_unknown(r, "backups", &err, NULL);
}
