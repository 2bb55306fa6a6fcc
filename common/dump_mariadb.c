/* placeholder: not written yet */
extern int lc_placeholder_dump_mariadb;
