/*
 * The member list shared by the producers and the set writer.
 */
#include "common/member.h"

#include <stdlib.h>
#include <string.h>

#include "common/mem.h"

struct lc_member *lc_member_list_add(struct lc_member_list *list, const char *name,
                                     const char *kind)
{
    struct lc_member *m;

    if (list->len == list->cap) {
        list->cap = list->cap ? list->cap * 2 : 16;
        list->items = lc_xrealloc(list->items, list->cap * sizeof(*list->items));
    }
    m = &list->items[list->len++];
    memset(m, 0, sizeof(*m));
    m->name = lc_xstrdup(name);
    m->kind = lc_xstrdup(kind);
    m->rows = -1;
    return m;
}

void lc_member_add_part(struct lc_member *member, const char *path, uint64_t size)
{
    size_t n = lc_strv_len(member->parts);

    member->parts = lc_xrealloc(member->parts, (n + 2) * sizeof(char *));
    member->parts[n] = lc_xstrdup(path);
    member->parts[n + 1] = NULL;
    member->part_sizes = lc_xrealloc(member->part_sizes, (n + 1) * sizeof(uint64_t));
    member->part_sizes[n] = size;
}

void lc_member_list_done(struct lc_member_list *list)
{
    for (size_t idx = 0; idx < list->len; idx++) {
        struct lc_member *m = &list->items[idx];

        free(m->name);
        free(m->kind);
        free(m->db);
        free(m->table);
        free(m->node);
        lc_strv_free(m->parts);
        free(m->part_sizes);
    }
    free(list->items);
    list->items = NULL;
    list->len = list->cap = 0;
}
