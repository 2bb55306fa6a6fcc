# bash completion for the lcbp3-ops programs: lcbp3-backup, lcbp3-restore,
# lcbp3-integrity, lcbp3-reservations-gc and lcbp3-dr. Installed once per program name
# (bash-completion loads it on demand by that name). It completes the commands, the
# options (read from the program's own --help, so a new option is never missing), the
# values of --kind, --verify and the runbook names, and for --target the [target.NAME]
# sections of the config (--config FILE on the line, else $LCBP3_CONFIG, else
# /etc/lcbp3/lcbp3.conf). Works with or without the bash-completion package.

# _lcbp3_targets CONFIG: the NAMEs of the [target.NAME] sections of CONFIG
_lcbp3_targets()
{
    [ -r "$1" ] || return 0
    sed -n 's/^[[:space:]]*\[target\.\([^]]*\)\][[:space:]]*$/\1/p' "$1" 2>/dev/null
}

# _lcbp3_files [-d]: file (or with -d directory) names for the current word
_lcbp3_files()
{
    if declare -F _filedir >/dev/null; then
        _filedir "$@"
    elif [ "${1:-}" = -d ]; then
        mapfile -t COMPREPLY < <(compgen -d -- "$cur")
    else
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    fi
}

_lcbp3()
{
    local prog=${1##*/} cur=${COMP_WORDS[COMP_CWORD]} prev='' cmd='' config='' w i
    local commands='' options
    [ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
    # COMP_WORDBREAKS splits --opt=value into '--opt' '=' 'value'
    if [ "$prev" = = ] && [ "$COMP_CWORD" -gt 1 ]; then
        prev=${COMP_WORDS[COMP_CWORD - 2]}
    fi
    COMPREPLY=()

    case $prog in
    lcbp3-backup) commands="run ship list prune verify binlog archive-audit" ;;
    lcbp3-restore) commands="list db redis set" ;;
    lcbp3-integrity) commands="sequences health backups all" ;;
    lcbp3-dr) commands="plan run drill runbook" ;;
    esac

    # the command (first word that is no option nor an option's value) and --config
    for ((i = 1; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        case $w in
        -c | --config)
            [ "${COMP_WORDS[i + 1]:-}" = = ] && i=$((i + 1))
            config=${COMP_WORDS[i + 1]:-}
            i=$((i + 1))
            ;;
        --config=*) config=${w#--config=} ;;
        --target | --kind | --verify | --pattern | --batch | --max-rate | --older-than | \
            --limit | --into | --tables | --until | --redis-db | --rdb-to | --budget | \
            --prometheus | --from-step | --report | --type | --factor | --kill | --reason)
            [ "${COMP_WORDS[i + 1]:-}" = = ] && i=$((i + 1))
            i=$((i + 1))
            ;;
        -*) ;;
        *) [ -z "$cmd" ] && cmd=$w ;;
        esac
    done
    [ -n "$config" ] || config=${LCBP3_CONFIG:-/etc/lcbp3/lcbp3.conf}
    config=${config/#\~/$HOME}

    case $prev in
    -c | --config | --prometheus)
        _lcbp3_files
        return 0
        ;;
    --report | --rdb-to)
        _lcbp3_files -d
        return 0
        ;;
    --target)
        mapfile -t COMPREPLY < <(compgen -W "$(_lcbp3_targets "$config")" -- "$cur")
        return 0
        ;;
    --kind)
        mapfile -t COMPREPLY < <(compgen -W "daily weekly monthly manual" -- "$cur")
        return 0
        ;;
    --verify)
        mapfile -t COMPREPLY < <(compgen -W "full size" -- "$cur")
        return 0
        ;;
    --pattern | --batch | --max-rate | --older-than | --limit | --into | --tables | \
        --until | --redis-db | --budget | --from-step | --type | --factor | --kill | \
        --reason)
        return 0 # a value the operator types
        ;;
    esac

    if [[ $cur == -* ]]; then
        options=$("$1" --help 2>/dev/null | grep -o -- '--[a-z][a-z0-9-]*' | sort -u)
        [ -n "$options" ] || options="--config --quiet --verbose --json --check-config
            --help --version"
        mapfile -t COMPREPLY < <(compgen -W "$options -c -q -v -h" -- "$cur")
        return 0
    fi

    if [ -z "$cmd" ]; then
        [ -n "$commands" ] && mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$cur")
        return 0
    fi

    case $prog:$cmd in
    lcbp3-restore:db | lcbp3-restore:redis | lcbp3-restore:set)
        # SET: a set name, 'latest' or a path (also a legacy .sql, .sql.gz, .rdb)
        _lcbp3_files
        mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -W latest -- "$cur")
        ;;
    lcbp3-dr:runbook)
        mapfile -t COMPREPLY < <(compgen -W "high-utilization yearly-reset lock-wait
            redis-down slow-generation version-conflicts audit-archive" -- "$cur")
        ;;
    esac
    return 0
}

complete -F _lcbp3 lcbp3-backup lcbp3-restore lcbp3-integrity lcbp3-reservations-gc lcbp3-dr
