#!/usr/bin/env bash
# Upgrade benchmark: a 5.3.0 database with 1,000,000 access tokens brought to
# 5.11.0 by `isdb migrate` and by WSO2's own step scripts, on the loopback
# PostgreSQL 15 and MariaDB 10.11 servers, with a writer updating
# IDN_OAUTH2_ACCESS_TOKEN every 10 ms beside each. Results go to
# docs/benchmarks.md ("Upgrade 5.3.0 → 5.11.0, 1M tokens").
#
#   ISDB_BENCH_WSO2_MIGRATION=/work/.mirror/wso2-extensions+identity-migration-resources/repo/.git \
#       benches/upgrade.sh
#
# Environment:
#   ISDB_BENCH_WSO2_MIGRATION  required: a git directory (or a checkout) of
#                              wso2-extensions/identity-migration-resources; the
#                              step scripts are read from it at run time into a
#                              temporary directory, never into the repository
#   ISDB_BENCH_WSO2_REV        its revision to read (default HEAD)
#   TOKENS                     rows in IDN_OAUTH2_ACCESS_TOKEN (default 1000000);
#                              codes = TOKENS/5, token scopes 4/3 TOKENS
#   USERS                      rows in UM_USER (default TOKENS/10), each with 3
#                              attributes (2 for every fifth user: no scimId) and 2 roles
#   ENGINES                    "pg my" (default), or one of them
#   ROUNDS                     rounds per engine (default 1); each round upgrades two
#                              fresh copies, isdb first in odd rounds, WSO2 first in even
#   WRITER                     1 (default): run the concurrent writer; 0: upgrades alone
#   KEEP_LOGS                  a directory to keep every log in (default: none, a temporary one)
#
# What is timed: the `isdb migrate --is-version 5.11.0` process; on the WSO2 side
# the sum of the step-script runs (one `psql -1` per script, as WSO2's
# SchemaMigrator runs each script in one transaction; `mariadb` per script on
# MariaDB). Not timed: building and filling the 5.3.0 database, copying it, and
# what stands in for the Java migrators the scripts depend on (5.5.0
# OAuthDataMigrator: the hash columns, filled with SHA-256 of the plain-text
# tokens and codes); writer samples taken while that stand-in runs are left out.
#
# Every database the script creates carries a prefix unique to this run and is
# dropped at the end, on errors and on Ctrl-C.
set -euo pipefail
# (No `cmd | head` below: with pipefail, a writer killed by SIGPIPE would end the run.)
export LC_ALL=C
# The local servers trust local connections: a set, empty ISDB_PASSWORD tells isdb so.
export ISDB_PASSWORD=

TOKENS=${TOKENS:-1000000}
USERS=${USERS:-$((TOKENS / 10))}
ENGINES=${ENGINES:-pg my}
ROUNDS=${ROUNDS:-1}
WRITER=${WRITER:-1}
WSO2_GIT=${ISDB_BENCH_WSO2_MIGRATION:-}
WSO2_REV=${ISDB_BENCH_WSO2_REV:-HEAD}
WSO2_BASE=components/org.wso2.is.migration/migration-resources
# The releases after 5.3.0, in upgrade order.
VERSIONS="5.4.0 5.5.0 5.6.0 5.7.0 5.8.0 5.9.0 5.10.0 5.11.0"

PG_HOST=127.0.0.1 PG_PORT=5432 PG_USER=postgres
MY_HOST=127.0.0.1 MY_PORT=3306 MY_USER=root
PG_URL="postgres://$PG_USER@$PG_HOST:$PG_PORT/"
MY_URL="mysql://$MY_USER@$MY_HOST:$MY_PORT/"
RUN="isdbup_$$_"

cd "$(dirname "$0")/.."
ROOT=$PWD
ISDB=$ROOT/target/release/isdb
WORK=$(mktemp -d)
LOGS=${KEEP_LOGS:-$WORK/logs}
mkdir -p "$LOGS"

PSQL=(psql -X -q -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER")
MARIADB=(mariadb -h "$MY_HOST" -P "$MY_PORT" -u "$MY_USER")

die() {
    echo "upgrade.sh: $*" >&2
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

WRITER_PID=
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    [[ -n $WRITER_PID ]] && kill "$WRITER_PID" 2>/dev/null
    pg_drop_prefix "$RUN" 2>/dev/null || echo "upgrade.sh: could not drop PostgreSQL databases $RUN*" >&2
    my_drop_prefix "$RUN" 2>/dev/null || echo "upgrade.sh: could not drop MariaDB databases $RUN*" >&2
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[[ -n $WSO2_GIT ]] || die "set ISDB_BENCH_WSO2_MIGRATION to a git directory of wso2-extensions/identity-migration-resources"
GIT=(git --git-dir "$WSO2_GIT")
[[ -d $WSO2_GIT/.git ]] && GIT=(git -C "$WSO2_GIT")
"${GIT[@]}" cat-file -e "$WSO2_REV:$WSO2_BASE/migration-config.yaml" 2>/dev/null ||
    die "$WSO2_GIT has no $WSO2_BASE/migration-config.yaml at $WSO2_REV"
[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (Debian: apt-get install time)"
for tool in psql createdb dropdb mariadb cargo git awk; do
    command -v "$tool" >/dev/null || die "$tool is not on PATH"
done
"${PSQL[@]}" -d postgres -tAc 'SELECT 1' >/dev/null || die "no PostgreSQL at $PG_URL"
"${MARIADB[@]}" -e 'SELECT 1' >/dev/null || die "no MariaDB at $MY_URL"

cargo build --release --quiet
WRITER_BIN=$(cargo bench --bench upgrade_writer --no-run --message-format=json 2>/dev/null |
    sed -n 's/.*"executable":"\([^"]*upgrade_writer[^"]*\)".*/\1/p' | tail -1)
[[ -x $WRITER_BIN ]] || die "could not build benches/upgrade_writer.rs"
echo "built (${SECONDS}s)"

now() { echo "$EPOCHREALTIME"; }
# elapsed seconds between two now()s
since() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", b - a}'; }

# --- WSO2's step scripts ------------------------------------------------------

# Every migrator of migration-config.yaml for the releases in $VERSIONS, in the
# order the migration client runs them: "version order name location schema"
# ("-" where a migrator has no location, i.e. runs no step script).
wso2_migrators() {
    local v
    for v in $VERSIONS; do
        "${GIT[@]}" show "$WSO2_REV:$WSO2_BASE/migration-config.yaml" | awk -v want="$v" '
            function flush() { if (name != "" && ver == want) print ver, order, name, (loc == "" ? "-" : loc), (schema == "" ? "-" : schema); name = ""; loc = ""; schema = ""; order = 0 }
            { line = $0; sub(/#.*/, "", line); sub(/^[ \t-]*/, "", line); gsub(/[\r"]/, "", line)
              if (line !~ /:/) next
              key = line; sub(/:.*/, "", key); val = line; sub(/^[^:]*:[ \t]*/, "", val); sub(/[ \t]+$/, "", val) }
            key == "version" { flush(); ver = val }
            key == "name" { flush(); name = val }
            key == "order" { order = val }
            key == "location" { loc = val }
            key == "schema" { schema = val }
            END { flush() }' | sort -s -n -k2,2
    done
}

# The script SchemaMigrator picks for a step: postgresql.sql on PostgreSQL;
# on MySQL-compatible servers of version >= 5.7 (MariaDB 10.11 reports 10.11)
# mysql5.7.sql where the step has one, else mysql.sql. Prints its path in the
# repository, or nothing when the step has no script for the engine.
wso2_script() { # engine version location schema
    local dir="$WSO2_BASE/$2/dbscripts/$3/$4" f
    if [[ $1 == pg ]]; then
        f=postgresql.sql
    else
        f=mysql5.7.sql
        "${GIT[@]}" cat-file -e "$WSO2_REV:$dir/$f" 2>/dev/null || f=mysql.sql
    fi
    "${GIT[@]}" cat-file -e "$WSO2_REV:$dir/$f" 2>/dev/null && echo "$dir/$f"
    return 0
}

# --- the 5.3.0 database ------------------------------------------------------

# build ENGINE PREFIX: `isdb migrate --is-version 5.3.0` (merged layout, one
# database: PREFIXwso2is), then the rows of benches/upgrade/seed.<dialect>.sql.
build_530() {
    local engine=$1 prefix=$2 db="${2}wso2is"
    if [[ $engine == pg ]]; then
        "$ISDB" -q migrate --layout merged --url "$PG_URL" --db-prefix "$prefix" --is-version 5.3.0
        "${PSQL[@]}" -v ON_ERROR_STOP=1 -v tokens="$TOKENS" -v users="$USERS" -d "$db" -f benches/upgrade/seed.postgres.sql >/dev/null
    else
        "$ISDB" -q migrate --layout merged --url "$MY_URL" --db-prefix "$prefix" --is-version 5.3.0
        { echo "SET @tokens = $TOKENS, @users = $USERS;"; cat benches/upgrade/seed.mysql.sql; } | "${MARIADB[@]}" "$db" >/dev/null
    fi
}

# copy ENGINE FROM_PREFIX TO_PREFIX: an identical database for one side.
copy_530() {
    local engine=$1 from="${2}wso2is" to="${3}wso2is"
    if [[ $engine == pg ]]; then
        "${PSQL[@]}" -d postgres -c "CREATE DATABASE \"$to\" TEMPLATE \"$from\" STRATEGY FILE_COPY" >/dev/null
    else
        # Same seed, same rows (every value is derived from the row number).
        build_530 my "$3"
    fi
}

# Row counts of the seeded tables, one line.
counts() { # engine db
    local q="SELECT (SELECT count(*) FROM UM_USER), (SELECT count(*) FROM UM_USER_ATTRIBUTE), (SELECT count(*) FROM UM_USER_ROLE),
        (SELECT count(*) FROM IDN_OAUTH_CONSUMER_APPS), (SELECT count(*) FROM IDN_OAUTH2_ACCESS_TOKEN),
        (SELECT count(*) FROM IDN_OAUTH2_ACCESS_TOKEN_SCOPE), (SELECT count(*) FROM IDN_OAUTH2_AUTHORIZATION_CODE),
        (SELECT count(*) FROM IDN_OAUTH2_SCOPE)"
    if [[ $1 == pg ]]; then
        "${PSQL[@]}" -d "$2" -tA -F ' ' -c "$q"
    else
        "${MARIADB[@]}" -N "$2" -e "$q" | tr '\t' ' '
    fi
}

db_size_mb() { # engine db
    if [[ $1 == pg ]]; then
        "${PSQL[@]}" -d "$2" -tAc "SELECT pg_database_size(current_database()) / 1048576"
    else
        "${MARIADB[@]}" -N -e "SELECT round(sum(data_length + index_length) / 1048576) FROM information_schema.tables WHERE table_schema = '$2'"
    fi
}

# --- the concurrent writer -----------------------------------------------------

# writer_start ENGINE DB TAG: the writer on DB, CSV to $LOGS/TAG.writes.csv.
writer_start() {
    local url out="$LOGS/$3.writes.csv"
    [[ $1 == pg ]] && url="$PG_URL$2" || url="$MY_URL$2"
    rm -f "$out" "$out.ready"
    ISDB_BENCH_WRITER_URL=$url ISDB_BENCH_WRITER_OUT=$out "$WRITER_BIN" >"$LOGS/$3.writer.txt" 2>&1 &
    WRITER_PID=$!
    local i
    for ((i = 0; i < 100; i++)); do
        [[ -e $out.ready ]] && break
        kill -0 "$WRITER_PID" 2>/dev/null || die "the writer failed: $(cat "$LOGS/$3.writer.txt")"
        sleep 0.1
    done
    # A second of undisturbed writes first: the baseline latency.
    sleep 1
}

writer_stop() {
    sleep 1
    kill -TERM "$WRITER_PID"
    wait "$WRITER_PID" || die "the writer failed: $(cat "$LOGS/$1.writer.txt")"
    WRITER_PID=
}

# stall_stats TAG: "max_ms p99_ms writes errors max_at baseline_p50_ms" over the
# writer's samples that overlap the upgrade ($LOGS/TAG.window: "start end"),
# leaving out those that overlap a window of $LOGS/TAG.exclude ("start end"
# lines); the baseline is the median of the samples outside the upgrade.
stall_stats() {
    local csv="$LOGS/$1.writes.csv" ex="$LOGS/$1.exclude"
    [[ -e $ex ]] || : >"$ex"
    awk -F, -v exfile="$ex" -v winfile="$LOGS/$1.window" '
        BEGIN { while ((getline l < exfile) > 0) { split(l, w, " "); n_ex++; xs[n_ex] = w[1]; xe[n_ex] = w[2] }
                getline l < winfile; split(l, w, " "); ws = w[1]; we = w[2] }
        { s = $1; e = $1 + $2 / 1000
          if (!(s < we && e > ws)) { nb++; base[nb] = $2; next }
          for (i = 1; i <= n_ex; i++) if (s < xe[i] && e > xs[i]) next
          n++; lat[n] = $2; if ($3 != "ok") err++
          if ($2 > max) { max = $2; at = $1 } }
        END { if (nb) { asort(base); b = base[int((nb + 1) / 2)] }
              if (n == 0) { printf "0 0 0 0 0 %.1f\n", b; exit }
              asort(lat); k = int(n * 0.99 + 0.999); if (k < 1) k = 1
              printf "%.0f %.0f %d %d %.3f %.1f\n", max, lat[k], n, err + 0, at, b }' "$csv"
}

# The writes that took longest, outside the excluded windows: "start latency_ms" of the N worst.
worst_writes() { # tag n
    awk -F, -v exfile="$LOGS/$1.exclude" '
        BEGIN { while ((getline l < exfile) > 0) { split(l, w, " "); n_ex++; xs[n_ex] = w[1]; xe[n_ex] = w[2] } }
        { s = $1; e = $1 + $2 / 1000; for (i = 1; i <= n_ex; i++) if (s < xe[i] && e > xs[i]) next
          printf "%.3f %.0f\n", $1, $2 }' "$LOGS/$1.writes.csv" | sort -k2,2gr | awk -v n="$2" 'NR <= n'
}

# --- the two sides -------------------------------------------------------------

declare -A RESULT # key -> value, printed at the end

# isdb_side ENGINE DB TAG
isdb_side() {
    local engine=$1 db=$2 tag=$3 url t0 t1 rc=0
    [[ $engine == pg ]] && url="$PG_URL$db" || url="$MY_URL$db"
    ((WRITER)) && writer_start "$engine" "$db" "$tag"
    t0=$(now)
    /usr/bin/time -v -o "$LOGS/$tag.time.txt" "$ISDB" -v migrate --layout merged --url "$url" --is-version 5.11.0 \
        >"$LOGS/$tag.out.txt" 2>"$LOGS/$tag.log" || rc=$?
    t1=$(now)
    echo "$t0 $t1" >"$LOGS/$tag.window"
    ((WRITER)) && writer_stop "$tag"
    RESULT[$tag.wall]=$(since "$t0" "$t1")
    RESULT[$tag.rc]=$rc
    RESULT[$tag.rss]=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$LOGS/$tag.time.txt")
    if ((rc != 0)); then
        echo "isdb migrate exited with $rc on $engine; last lines:" >&2
        tail -n 15 "$LOGS/$tag.log" >&2
        RESULT[$tag.verify]="not run (migrate failed)"
    else
        if "$ISDB" verify --layout merged --url "$url" --is-version 5.11.0 >"$LOGS/$tag.verify.txt" 2>&1; then
            RESULT[$tag.verify]=clean
        else
            RESULT[$tag.verify]="differences ($(grep -c . "$LOGS/$tag.verify.txt") lines, $LOGS/$tag.verify.txt)"
        fi
    fi
    RESULT[$tag.counts]=$(counts "$engine" "$db")
}

# Stand-in for the 5.5.0 OAuthDataMigrator (Java): its DDL (hash columns,
# v550/SQLConstants.java) and what its hashing leaves in them.
java_550() { # engine db
    if [[ $1 == pg ]]; then
        "${PSQL[@]}" -v ON_ERROR_STOP=1 -d "$2" >/dev/null <<'SQL'
ALTER TABLE idn_oauth2_access_token ADD COLUMN IF NOT EXISTS access_token_hash VARCHAR(512),
  ADD COLUMN IF NOT EXISTS refresh_token_hash VARCHAR(512);
ALTER TABLE idn_oauth2_authorization_code ADD COLUMN IF NOT EXISTS authorization_code_hash VARCHAR(512);
ALTER TABLE idn_oauth_consumer_apps DROP COLUMN IF EXISTS consumer_secret_hash;
UPDATE idn_oauth2_access_token SET access_token_hash = encode(sha256(convert_to(access_token, 'UTF8')), 'hex'),
  refresh_token_hash = encode(sha256(convert_to(refresh_token, 'UTF8')), 'hex');
UPDATE idn_oauth2_authorization_code SET authorization_code_hash = encode(sha256(convert_to(authorization_code, 'UTF8')), 'hex');
SQL
    else
        "${MARIADB[@]}" "$2" <<'SQL'
ALTER TABLE IDN_OAUTH2_ACCESS_TOKEN ADD COLUMN IF NOT EXISTS ACCESS_TOKEN_HASH VARCHAR(512),
  ADD COLUMN IF NOT EXISTS REFRESH_TOKEN_HASH VARCHAR(512);
ALTER TABLE IDN_OAUTH2_AUTHORIZATION_CODE ADD COLUMN IF NOT EXISTS AUTHORIZATION_CODE_HASH VARCHAR(512);
ALTER TABLE IDN_OAUTH_CONSUMER_APPS DROP COLUMN IF EXISTS CONSUMER_SECRET_HASH;
UPDATE IDN_OAUTH2_ACCESS_TOKEN SET ACCESS_TOKEN_HASH = SHA2(ACCESS_TOKEN, 256), REFRESH_TOKEN_HASH = SHA2(REFRESH_TOKEN, 256);
UPDATE IDN_OAUTH2_AUTHORIZATION_CODE SET AUTHORIZATION_CODE_HASH = SHA2(AUTHORIZATION_CODE, 256);
SQL
    fi
}

# A MySQL step script as WSO2's SchemaMigrator.executeSQLScript runs it, for
# the mariadb client: the same statement boundaries (a statement ends where a
# trimmed line ends with the delimiter; DELIMITER lines change it; lines
# starting with -- or // are dropped), each followed by a delimiter no script
# uses, all in one transaction per script as the migrator's autocommit-off
# connection (DDL still commits implicitly on MySQL).
wso2_split_mysql() {
    awk '
        function emit(stmt) { if (stmt !~ /^[ \t\n]*$/) printf "%s\n$$$\n", stmt }
        BEGIN { d = ";"; print "DELIMITER $$$"; print "SET autocommit = 0$$$" }
        { line = $0; gsub(/^[\001- ]+|[\001- ]+$/, "", line) }
        index(line, "DELIMITER") { split(line, p, " "); d = p[2]; next }
        index(line, "Start of Procedure") { proc = 1; next }
        index(line, "End of Procedure") { emit(substr(sql, 1, length(sql) - length(d))); sql = ""; proc = 0; next }
        line ~ /^(\/\/|--)/ { next }
        toupper(line) ~ /^REM([ \t]|$)/ { next }
        proc { sql = sql " " line; next }
        { sql = sql " " line
          if (index(line, "--")) sql = sql "\n"
          if (length(sql) >= length(d) && substr(sql, length(sql) - length(d) + 1) == d) {
              emit(substr(sql, 1, length(sql) - length(d))); sql = "" } }
        END { if (sql != "") emit(sql); print "COMMIT$$$" }'
}

# wso2_side ENGINE DB TAG: every step script in migration-config.yaml order.
wso2_side() {
    local engine=$1 db=$2 tag=$3 ver order name loc schema path f t0 t1 j0 j1 first timed=0 rc n=0 failed=""
    local dir="$WORK/$tag.scripts"
    mkdir -p "$dir"
    : >"$LOGS/$tag.scripts.txt"
    : >"$LOGS/$tag.exclude"
    ((WRITER)) && writer_start "$engine" "$db" "$tag"
    first=$(now)
    while read -r ver order name loc schema; do
        if [[ $ver == 5.5.0 && $name == OAuthDataMigrator ]]; then
            j0=$(now)
            java_550 "$engine" "$db"
            j1=$(now)
            echo "$j0 $j1" >>"$LOGS/$tag.exclude"
            echo "$ver $order $name (stand-in, not timed) $(since "$j0" "$j1") s" >>"$LOGS/$tag.scripts.txt"
            continue
        fi
        [[ $loc == - ]] && continue
        path=$(wso2_script "$engine" "$ver" "$loc" "$schema")
        if [[ -z $path ]]; then
            echo "$ver $order $name $loc/$schema: no script for this engine" >>"$LOGS/$tag.scripts.txt"
            continue
        fi
        n=$((n + 1))
        f="$dir/$(printf '%02d' "$n")_${ver}_${loc}_${schema}_$(basename "$path")"
        if [[ $engine == pg ]]; then
            "${GIT[@]}" show "$WSO2_REV:$path" >"$f"
        else
            "${GIT[@]}" show "$WSO2_REV:$path" | wso2_split_mysql >"$f"
        fi
        rc=0
        t0=$(now)
        if [[ $engine == pg ]]; then
            "${PSQL[@]}" -1 -e -v ON_ERROR_STOP=1 -d "$db" -c '\timing on' -f "$f" >"$f.log" 2>&1 || rc=$?
        else
            "${MARIADB[@]}" -vvv "$db" <"$f" >"$f.log" 2>&1 || rc=$?
        fi
        t1=$(now)
        timed=$(awk -v a="$timed" -v s="$t0" -v e="$t1" 'BEGIN {printf "%.6f", a + e - s}')
        echo "$ver $order $name $loc/$schema $(basename "$path") $(since "$t0" "$t1") s start=$t0 end=$t1 rc=$rc" >>"$LOGS/$tag.scripts.txt"
        # The migration client is configured with continueOnError: a failed
        # script is rolled back (PostgreSQL) or stops where it failed, and the next one runs.
        ((rc == 0)) || failed+=" ${ver}/${loc}/${schema}"
    done < <(wso2_migrators)
    echo "$first $(now)" >"$LOGS/$tag.window"
    ((WRITER)) && writer_stop "$tag"
    for f in "$dir"/*.log; do cp "$f" "$LOGS/$tag.$(basename "$f")"; done
    RESULT[$tag.wall]=$(awk -v a="$timed" 'BEGIN {printf "%.1f", a}')
    RESULT[$tag.scripts]=$n
    RESULT[$tag.failed]=${failed:-none}
    RESULT[$tag.counts]=$(counts "$engine" "$db")
}

# The statements that ran longest on the WSO2 side: "ms script first-line".
wso2_longest() { # tag n
    local log
    for log in "$WORK/$1.scripts"/*.log; do
        [[ -e $log ]] || continue
        if [[ $log == *postgresql* ]]; then
            awk -v s="$(basename "$log" .log)" '
                /^Time: / { gsub(/,/, ".", $2); printf "%.0f %s %s\n", $2, s, substr(first, 1, 110); first = ""; next }
                first == "" && NF && $0 !~ /^(BEGIN|COMMIT|ALTER|CREATE|DROP|INSERT|UPDATE|DELETE|DO|SET|NOTICE|psql|\\)/ { first = $0 }
                first == "" && /^(ALTER|CREATE|DROP|INSERT|UPDATE|DELETE) / && length($0) > 12 { first = $0 }' "$log"
        else
            awk -v s="$(basename "$log" .log)" '
                /^--------------$/ { if (inq) { inq = 0 } else { inq = 1; first = "" }; next }
                inq && first == "" && NF { first = $0 }
                /rows? affected|Query OK|row in set|rows in set|Empty set/ && match($0, /\(([0-9.]+) sec\)/, m) { printf "%.0f %s %s\n", m[1] * 1000, s, substr(first, 1, 110) }' "$log"
        fi
    done | sort -k1,1nr | awk -v n="$2" 'NR <= n'
}

# isdb's longest statements: "ms line" from its -v output, each line's time
# until the next timestamped line (a statement, or the end of its step).
isdb_longest() { # tag n
    awk '
        !/^[0-9][0-9][0-9][0-9]-/ { next }
        { ts = $1; sub(/Z$/, "", ts); split(ts, a, /[-T:]/)
          t = mktime(a[1] " " a[2] " " a[3] " " a[4] " " a[5] " 0", 1) + a[6]
          if (prev != "") printf "%.0f %s\n", (t - pt) * 1000, substr(prev, 1, 170)
          prev = $0; sub(/^[^ ]+ +[A-Z]+ +/, "", prev); pt = t }' "$LOGS/$1.log" | sort -k1,1nr | awk -v n="$2" 'NR <= n'
}

# What isdb was doing while a write was blocked: the last statement it had
# started before the write, and those it started until the write went through
# (its -v lines; at most 6).
isdb_during() { # tag start_epoch latency_ms
    awk -v s="$2" -v l="$3" '
        !/^[0-9][0-9][0-9][0-9]-/ { next }
        { ts = $1; sub(/Z$/, "", ts); split(ts, a, /[-T:]/)
          t = mktime(a[1] " " a[2] " " a[3] " " a[4] " " a[5] " 0", 1) + a[6]
          if (t < s) { before = $0; next }
          if (t <= s + l / 1000) { if (before != "") { print before; before = "" }; if (++n <= 5) print } }
        END { if (before != "") print before }' "$LOGS/$1.log" | cut -c1-220
}

# --- run -----------------------------------------------------------------------------

echo "isdb upgrade benchmark: $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src migrations || echo '+changes'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "WSO2 scripts: $("${GIT[@]}" rev-parse --short "$WSO2_REV") of $WSO2_GIT; tokens: $TOKENS; users: $USERS; rounds: $ROUNDS; writer: $WRITER"

for engine in $ENGINES; do
    base="${RUN}${engine}_base_"
    # On MariaDB every side builds its own copy (copy_530), so there is no base to build.
    if [[ $engine == pg ]]; then
        t0=$(now)
        build_530 "$engine" "$base"
        t1=$(now)
        echo "$engine: 5.3.0 database built and filled in $(since "$t0" "$t1") s: $(db_size_mb "$engine" "${base}wso2is") MB;" \
            "rows (users attributes user-roles apps tokens token-scopes codes scopes): $(counts "$engine" "${base}wso2is")"
    fi
    for ((r = 1; r <= ROUNDS; r++)); do
        sides="isdb wso2"
        ((r % 2)) || sides="wso2 isdb"
        for side in $sides; do
            prefix="${RUN}${engine}_r${r}_${side}_"
            tag="$engine.r$r.$side"
            t0=$(now)
            copy_530 "$engine" "$base" "$prefix"
            echo "$tag: copy ready in $(since "$t0" "$(now)") s: $(db_size_mb "$engine" "${prefix}wso2is") MB;" \
                "rows (users attributes user-roles apps tokens token-scopes codes scopes): $(counts "$engine" "${prefix}wso2is");" \
                "load average $(cut -d' ' -f1-3 /proc/loadavg)"
            "${side}_side" "$engine" "${prefix}wso2is" "$tag"
            echo "$tag: ${RESULT[$tag.wall]} s$([[ $side == isdb ]] && echo ", exit ${RESULT[$tag.rc]}, peak RSS ${RESULT[$tag.rss]} MB, verify: ${RESULT[$tag.verify]}" || echo ", ${RESULT[$tag.scripts]} scripts, failed: ${RESULT[$tag.failed]}");" \
                "rows after: ${RESULT[$tag.counts]}"
            if ((WRITER)); then
                read -r max p99 nw nerr at baseline <<<"$(stall_stats "$tag")"
                RESULT[$tag.max]=$max RESULT[$tag.p99]=$p99
                echo "$tag: writer during the upgrade: $nw writes, $nerr errors, p99 $p99 ms, max $max ms at $at (median outside the upgrade: $baseline ms)"
                while read -r at ms; do
                    echo "  write at $at blocked $ms ms"
                    [[ $side == isdb ]] && isdb_during "$tag" "$at" "$ms" | sed 's/^/    /'
                    [[ $side == wso2 ]] && awk -v s="$at" -v l="$ms" '{ for (i = 1; i <= NF; i++) { if ($i ~ /^start=/) st = substr($i, 7); if ($i ~ /^end=/) en = substr($i, 5) }
                        if (st != "" && st + 0 <= s + l / 1000 && en + 0 >= s) print "    during: " $1, $4, $5; st = ""; en = "" }' "$LOGS/$tag.scripts.txt"
                done < <(worst_writes "$tag" 3)
            fi
            if [[ $side == wso2 ]]; then
                echo "$tag: longest statements (ms, script, first line):"
                wso2_longest "$tag" 6 | sed 's/^/  /'
            else
                echo "$tag: longest statements (ms until isdb's next line):"
                isdb_longest "$tag" 6 | sed 's/^/  /'
            fi
            "${engine}_drop_prefix" "$prefix"
        done
    done
    "${engine}_drop_prefix" "$base"
done

# --- report ----------------------------------------------------------------------------

median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{a[NR] = $1} END {m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.1f", m}'; }
collect() { # engine side key
    local r out=""
    for ((r = 1; r <= ROUNDS; r++)); do out+="${RESULT[$1.r$r.$2.$3]:-} "; done
    echo "$out"
}

echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| $TOKENS tokens, medians of $ROUNDS | isdb wall s | WSO2 scripts s | isdb / WSO2 | isdb max stall ms (p99) | WSO2 max stall ms (p99) | isdb peak RSS MB |"
echo "|---|---|---|---|---|---|---|"
for engine in $ENGINES; do
    [[ $engine == pg ]] && label="PostgreSQL 15" || label="MariaDB 10.11"
    iw=$(median "$(collect "$engine" isdb wall)")
    ww=$(median "$(collect "$engine" wso2 wall)")
    ratio=$(awk -v a="$iw" -v b="$ww" 'BEGIN {printf "%.2f", (b > 0) ? a / b : 0}')
    stall="-" wstall="-"
    if ((WRITER)); then
        stall="$(median "$(collect "$engine" isdb max)") ($(median "$(collect "$engine" isdb p99)"))"
        wstall="$(median "$(collect "$engine" wso2 max)") ($(median "$(collect "$engine" wso2 p99)"))"
    fi
    echo "| $label | $iw | $ww | ${ratio}x | $stall | $wstall | $(median "$(collect "$engine" isdb rss)") |"
done
[[ -n ${KEEP_LOGS:-} ]] && echo "logs: $LOGS"
exit 0
