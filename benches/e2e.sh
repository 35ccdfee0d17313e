#!/usr/bin/env bash
# End-to-end benchmark of isdb against the vendor clients, on the loopback
# PostgreSQL 15 and MariaDB 10.11 servers. Results go to docs/benchmarks.md.
#
#   benches/e2e.sh                  # 5 rounds, then 3 rounds per node count
#   ROUNDS=3 SCALE_ROUNDS=2 benches/e2e.sh
#
# Each round runs the compared sides in alternating order (isdb first in odd
# rounds, the vendor client first in even ones), each on its own fresh
# databases; medians are taken over the rounds. Every database the script
# creates carries a prefix unique to this run and is dropped at the end, on
# errors and on Ctrl-C.
set -euo pipefail
export LC_ALL=C
# The local servers trust local connections: a set, empty ISDB_PASSWORD tells isdb so.
export ISDB_PASSWORD=

ROUNDS=${ROUNDS:-5}
SCALE_ROUNDS=${SCALE_ROUNDS:-3}
PG_HOST=127.0.0.1 PG_PORT=5432 PG_USER=postgres
MY_HOST=127.0.0.1 MY_PORT=3306 MY_USER=root
PG_URL="postgres://$PG_USER@$PG_HOST:$PG_PORT/"
MY_URL="mysql://$MY_USER@$MY_HOST:$MY_PORT/"
# Unique to this run; every database name starts with it, which is what cleanup matches.
RUN="isdbbench_$$_"

cd "$(dirname "$0")/.."
ISDB=$PWD/target/release/isdb
WORK=$(mktemp -d)

PSQL=(psql -X -q -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER")
MARIADB=(mariadb -h "$MY_HOST" -P "$MY_PORT" -u "$MY_USER")

die() {
    echo "e2e.sh: $*" >&2
    exit 1
}

pg_drop_prefix() {
    local like=${1//_/\\_} db
    for db in $("${PSQL[@]}" -d postgres -tAc "SELECT datname FROM pg_database WHERE datname LIKE '$like%'"); do
        dropdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" --if-exists "$db"
    done
}

my_drop_prefix() {
    local like=${1//_/\\_} db
    for db in $("${MARIADB[@]}" -N -e "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE '$like%'"); do
        "${MARIADB[@]}" -e "DROP DATABASE IF EXISTS \`$db\`"
    done
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    pg_drop_prefix "$RUN" 2>/dev/null || echo "e2e.sh: could not drop PostgreSQL databases $RUN*" >&2
    my_drop_prefix "$RUN" 2>/dev/null || echo "e2e.sh: could not drop MariaDB databases $RUN*" >&2
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (Debian: apt-get install time)"
for tool in psql createdb dropdb mariadb cargo; do
    command -v "$tool" >/dev/null || die "$tool is not on PATH"
done
"${PSQL[@]}" -d postgres -tAc 'SELECT 1' >/dev/null || die "no PostgreSQL at $PG_URL"
"${MARIADB[@]}" -e 'SELECT 1' >/dev/null || die "no MariaDB at $MY_URL"

cargo build --release --quiet
echo "built (${SECONDS}s)"

# --- measurement helpers -----------------------------------------------------

declare -A SAMPLES # name -> space-separated wall times in microseconds
declare -A RSS     # name -> space-separated peak RSS in KiB

# timed NAME CMD...: runs CMD, adds its wall time to NAME's samples.
timed() {
    local name=$1 t0 t1
    shift
    t0=${EPOCHREALTIME/[.,]/}
    "$@"
    t1=${EPOCHREALTIME/[.,]/}
    SAMPLES[$name]+="$((t1 - t0)) "
}

# isdb_timed NAME ARGS...: `isdb ARGS` under /usr/bin/time -v; records wall
# time and peak RSS, and fails unless isdb exits with 0 (status: up to date,
# verify: clean).
isdb_timed() {
    local name=$1 rc t0 t1
    shift
    t0=${EPOCHREALTIME/[.,]/}
    rc=0
    /usr/bin/time -v -o "$WORK/time.txt" "$ISDB" "$@" >"$WORK/out.txt" 2>&1 || rc=$?
    t1=${EPOCHREALTIME/[.,]/}
    if ((rc != 0)); then
        cat "$WORK/out.txt" >&2
        die "isdb $* exited with $rc"
    fi
    SAMPLES[$name]+="$((t1 - t0)) "
    RSS[$name]+="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt") "
}

# median of the numbers in $1 (space-separated), divided by $2.
median() {
    tr ' ' '\n' <<<"$1" | grep . | sort -n |
        awk -v d="$2" '{a[NR] = $1} END {m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.1f", m / d}'
}

# spread: "min-max" of the numbers in $1, divided by $2.
spread() {
    tr ' ' '\n' <<<"$1" | grep . | sort -n |
        awk -v d="$2" 'NR == 1 {lo = $1} {hi = $1} END {printf "%.0f-%.0f", lo / d, hi / d}'
}

ms() { median "${SAMPLES[$1]}" 1000; }
mb() { median "${RSS[$1]}" 1024; }

# --- the compared sides ------------------------------------------------------

# Scripts `isdb render` writes for the layout, in layout order (not timed: an operator has them already).
render() { # dialect prefix dir
    "$ISDB" render --dialect "$1" --layout split --db-prefix "$2" --out "$3" | sed 's/^wrote //'
}

pg_vendor() { # script...: createdb + psql -f, one database after another
    local f db
    for f in "$@"; do
        db=$(basename "$f" .sql)
        createdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -E UTF8 -T template0 "$db"
        "${PSQL[@]}" -v ON_ERROR_STOP=1 -d "$db" -f "$f" >/dev/null
    done
}

pg_vendor_1tx() { # the same with psql --single-transaction (informational)
    local f db
    for f in "$@"; do
        db=$(basename "$f" .sql)
        createdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -E UTF8 -T template0 "$db"
        "${PSQL[@]}" -1 -v ON_ERROR_STOP=1 -d "$db" -f "$f" >/dev/null
    done
}

my_vendor() { # script...: CREATE DATABASE + mariadb < script, one database after another
    local f db
    for f in "$@"; do
        db=$(basename "$f" .sql)
        "${MARIADB[@]}" -e "CREATE DATABASE \`$db\` CHARACTER SET latin1"
        "${MARIADB[@]}" "$db" <"$f"
    done
}

echo "isdb e2e benchmark: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "rounds: $ROUNDS (fresh, no-op, status, verify), $SCALE_ROUNDS per node count (scale)"
# MariaDB's information_schema cost grows with everything on the server, so say what is there.
echo "before: PostgreSQL holds $("${PSQL[@]}" -d postgres -tAc 'SELECT count(*) FROM pg_database') databases;" \
    "MariaDB holds $("${MARIADB[@]}" -N -e 'SELECT count(*) FROM information_schema.schemata') databases" \
    "and $("${MARIADB[@]}" -N -e 'SELECT count(*) FROM information_schema.tables') tables"

# isdb's target flags for a split layout: url prefix [nodes]
split_flags() { ARGS=(--layout split --url "$1" --db-prefix "$2" --nodes "${3:-2}"); }

for ((r = 1; r <= ROUNDS; r++)); do
    for engine in pg my; do
        round="${RUN}${engine}_r${r}_"
        if [[ $engine == pg ]]; then
            url=$PG_URL dialect=postgres vendor=pg_vendor
        else
            url=$MY_URL dialect=mysql vendor=my_vendor
        fi
        mapfile -t scripts < <(render "$dialect" "${round}v_" "$WORK/${round}v")
        mapfile -t scripts_1tx < <(render "$dialect" "${round}t_" "$WORK/${round}t")
        split_flags "$url" "${round}i_"
        # isdb and the vendor client alternate which goes first; the informational side runs between them.
        for side in $( ((r % 2)) && echo "isdb 1tx vendor" || echo "vendor 1tx isdb"); do
            case $side in
            isdb) isdb_timed "$engine.fresh.isdb" -q migrate "${ARGS[@]}" ;;
            vendor) timed "$engine.fresh.vendor" "$vendor" "${scripts[@]}" ;;
            1tx) if [[ $engine == pg ]]; then timed pg.fresh.vendor_1tx pg_vendor_1tx "${scripts_1tx[@]}"; fi ;;
            esac
        done
        # The server holds only isdb's layout (and whatever else was there before) while it is checked.
        "${engine}_drop_prefix" "${round}v_"
        "${engine}_drop_prefix" "${round}t_"
        isdb_timed "$engine.noop" -q migrate "${ARGS[@]}"
        isdb_timed "$engine.status" status "${ARGS[@]}"
        isdb_timed "$engine.verify" verify "${ARGS[@]}"
        "${engine}_drop_prefix" "$round"
    done
    echo "round $r done (${SECONDS}s)"
done

for nodes in 2 8 32; do
    for ((r = 1; r <= SCALE_ROUNDS; r++)); do
        for engine in pg my; do
            [[ $engine == pg ]] && url=$PG_URL || url=$MY_URL
            prefix="${RUN}${engine}_n${nodes}_r${r}_"
            split_flags "$url" "$prefix" "$nodes"
            isdb_timed "$engine.scale$nodes.fresh" -q migrate "${ARGS[@]}"
            isdb_timed "$engine.scale$nodes.noop" -q migrate "${ARGS[@]}"
            isdb_timed "$engine.scale$nodes.verify" verify "${ARGS[@]}"
            "${engine}_drop_prefix" "$prefix"
        done
    done
    echo "scale --nodes $nodes done (${SECONDS}s)"
done

# --- report ------------------------------------------------------------------

verdict() { # value op limit
    awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN {ok = (op == "<=") ? v <= l : v < l; print ok ? "met" : "MISSED"}'
}

echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| measurement (split layout, 2 nodes) | PostgreSQL 15 median ms (min-max) | MariaDB 10.11 median ms (min-max) |"
echo "|---|---|---|"
row() { # label key-suffix
    local pg="pg.$2" my="my.$2" a b
    a="-"
    b="-"
    [[ -n ${SAMPLES[$pg]:-} ]] && a="$(ms "$pg") ($(spread "${SAMPLES[$pg]}" 1000))"
    [[ -n ${SAMPLES[$my]:-} ]] && b="$(ms "$my") ($(spread "${SAMPLES[$my]}" 1000))"
    echo "| $1 | $a | $b |"
}
row "fresh: isdb migrate" fresh.isdb
row "fresh: vendor client, one database after another" fresh.vendor
row "fresh: psql --single-transaction (informational)" fresh.vendor_1tx
row "no-op rerun: isdb migrate" noop
row "isdb status" status
row "isdb verify" verify

pg_ratio=$(awk -v a="$(ms pg.fresh.isdb)" -v b="$(ms pg.fresh.vendor)" 'BEGIN {printf "%.2f", a / b}')
my_ratio=$(awk -v a="$(ms my.fresh.isdb)" -v b="$(ms my.fresh.vendor)" 'BEGIN {printf "%.2f", a / b}')
pg_1tx_ratio=$(awk -v a="$(ms pg.fresh.isdb)" -v b="$(ms pg.fresh.vendor_1tx)" 'BEGIN {printf "%.2f", a / b}')
max_rss=0
for k in "${!RSS[@]}"; do
    for v in ${RSS[$k]}; do ((v > max_rss)) && max_rss=$v; done
done
max_rss_mb=$(awk -v k="$max_rss" 'BEGIN {printf "%.1f", k / 1024}')

echo
echo "| target | PostgreSQL | MariaDB |"
echo "|---|---|---|"
echo "| fresh split install: isdb / vendor (PG <= 0.8, MariaDB <= 1.0) | ${pg_ratio}x: $(verdict "$pg_ratio" "<=" 0.8) | ${my_ratio}x: $(verdict "$my_ratio" "<=" 1.0) |"
echo "| no-op rerun <= 150 ms | $(ms pg.noop) ms: $(verdict "$(ms pg.noop)" "<=" 150) | $(ms my.noop) ms: $(verdict "$(ms my.noop)" "<=" 150) |"
echo "| verify <= 500 ms | $(ms pg.verify) ms: $(verdict "$(ms pg.verify)" "<=" 500) | $(ms my.verify) ms: $(verdict "$(ms my.verify)" "<=" 500) |"
echo "| peak RSS <= 60 MB (largest of every isdb run) | ${max_rss_mb} MB: $(verdict "$max_rss_mb" "<=" 60) | |"
echo
echo "(informational: isdb / psql --single-transaction on PostgreSQL: ${pg_1tx_ratio}x)"
echo
echo "| scale | databases | PG fresh ms | PG no-op ms | PG verify ms | PG peak RSS MB | MariaDB fresh ms | MariaDB no-op ms | MariaDB verify ms | MariaDB peak RSS MB |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for nodes in 2 8 32; do
    k="scale$nodes"
    echo "| --nodes $nodes | $((6 + nodes)) | $(ms pg.$k.fresh) | $(ms pg.$k.noop) | $(ms pg.$k.verify) | $(mb pg.$k.fresh) | $(ms my.$k.fresh) | $(ms my.$k.noop) | $(ms my.$k.verify) | $(mb my.$k.fresh) |"
done
