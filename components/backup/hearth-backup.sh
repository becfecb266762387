#!/bin/sh
# Hearth's backup, drill and restore steps for one app, on restic. POSIX sh (busybox ash in the cluster's
# images, dash or bash on a workstation). The same file runs in the cluster (shipped in a ConfigMap by
# components/backup/app-backup.ts) and in the real-S3 tests (test/backup/), so what is tested is what runs.
#
#   hearth-backup.sh stage            consistent copies of the SQLite databases + checksum manifest (sqlite3)
#   hearth-backup.sh push             restic backup of the data and the stage to every target, then retention
#   hearth-backup.sh backup           stage, then push (where one machine has both sqlite3 and restic)
#   hearth-backup.sh drill-restore    per target: restic check of a data subset, restore of the latest snapshot
#   hearth-backup.sh drill-verify     per target: the manifest's checksums, SQLite's integrity_check
#   hearth-backup.sh drill-record     per target: writes the good drill into the repository (tag hearth-drill)
#   hearth-backup.sh drill            the three drill steps in turn
#   hearth-backup.sh restore SNAP     restores snapshot SNAP (or "latest") of the first target to HEARTH_RESTORE_TO;
#                                     with HEARTH_RESTORE_LIVE=1, then replaces HEARTH_DATA's content with it
#   hearth-backup.sh snapshots        the app's backup snapshots on every target, one JSON list per line
#
# Environment (all but the per-target ones are required by the steps that use them):
#   HEARTH_APP                 app name; snapshots carry the tags hearth-backup and app=<name>
#   HEARTH_DATA                the app's data directory (its volume)
#   HEARTH_STAGE               a scratch directory that travels in the snapshot (SQLite copies, manifest)
#   HEARTH_SQLITE              SQLite files under HEARTH_DATA, relative, space separated ("" for none)
#   HEARTH_SCRATCH             where drills restore to (never the live volume)
#   HEARTH_TARGETS             target names, space separated, in order
#   HEARTH_REPO_<T>            restic repository of target T (s3:<endpoint>/<bucket>/<app>)
#   HEARTH_ACCESS_KEY_<T>, HEARTH_SECRET_KEY_<T>, HEARTH_REGION_<T>   its S3 credentials and region
#   RESTIC_PASSWORD            the repository password (the same for every target)
#   HEARTH_KEEP_LAST, HEARTH_KEEP_DAILY, HEARTH_KEEP_WEEKLY, HEARTH_KEEP_MONTHLY   retention (0 = unused)
#   HEARTH_DRILL_SUBSET        share of the pack files `restic check` reads, e.g. 10%
#   HEARTH_CACHE               restic's cache directory @default $HEARTH_STAGE/../.restic-cache
#   HEARTH_EXTRA_TAG           one more tag for the pushed snapshots (the operator commands use pre-restore)
# <T> is the target name in upper case with "-" as "_".
#
# Every failure names the target, its repository and restic's own error; a run with one failing target still
# tries the others and then exits 1. Exit 2 is a usage or environment error.
set -eu
[ -z "${TMPDIR-}" ] || mkdir -p "$TMPDIR"

die() {
	echo "hearth-backup: $*" >&2
	exit 2
}
need() {
	for v in "$@"; do
		eval "x=\${$v-}"
		# shellcheck disable=SC2154 # x is set by the eval above
		[ -n "$x" ] || die "$v is not set"
	done
}
var() { # var PREFIX TARGET -> value of ${PREFIX}_<T>
	t=$(printf '%s' "$2" | tr '[:lower:]-' '[:upper:]_')
	eval "printf '%s' \"\${$1_$t-}\""
}
log() { echo "hearth-backup[$HEARTH_APP] $*"; }

# use_target T: exports restic's variables for target T.
use_target() {
	RESTIC_REPOSITORY=$(var HEARTH_REPO "$1")
	AWS_ACCESS_KEY_ID=$(var HEARTH_ACCESS_KEY "$1")
	AWS_SECRET_ACCESS_KEY=$(var HEARTH_SECRET_KEY "$1")
	AWS_DEFAULT_REGION=$(var HEARTH_REGION "$1")
	[ -n "$RESTIC_REPOSITORY" ] || die "HEARTH_REPO_<$1> is not set for target $1"
	export RESTIC_REPOSITORY AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_DEFAULT_REGION
}

cache_dir() { printf '%s' "${HEARTH_CACHE:-$(dirname "$HEARTH_STAGE")/.restic-cache}"; }
r() { restic --cache-dir "$(cache_dir)" "$@"; }

failed=""
fail_target() { # fail_target T what stderr-file
	echo "hearth-backup[$HEARTH_APP] FAILED target $1 ($RESTIC_REPOSITORY): $2: $(tr '\n' ' ' <"$3")" >&2
	failed="$failed $1"
}
finish() {
	if [ -n "$failed" ]; then
		echo "hearth-backup[$HEARTH_APP] $1 failed for:$failed" >&2
		exit 1
	fi
	log "$1 done"
}

# ensure_repo: opens the target's repository, creating it only when it does not exist yet. Wrong credentials or
# an unreachable endpoint are errors, never a reason to create a repository.
ensure_repo() {
	err=$(mktemp)
	rc=0
	r cat config >/dev/null 2>"$err" || rc=$?
	if [ "$rc" -eq 0 ]; then
		rm -f "$err"
		return 0
	fi
	# restic 0.17+ exits 10 for a missing repository; 0.14 (Debian 12) says the config key does not exist.
	if [ "$rc" -eq 10 ] || grep -q -e 'key does not exist' -e 'NoSuchKey' -e 'NoSuchBucket' "$err"; then
		log "initialising $RESTIC_REPOSITORY"
		if r init >/dev/null 2>"$err"; then
			rm -f "$err"
			return 0
		fi
	fi
	cat "$err" >"$err.keep"
	rm -f "$err"
	return 1
}

# ---- stage -----------------------------------------------------------------------------------------------------
cmd_stage() {
	need HEARTH_APP HEARTH_DATA HEARTH_STAGE
	command -v sqlite3 >/dev/null || die "sqlite3 is not installed"
	rm -rf "$HEARTH_STAGE" && mkdir -p "$HEARTH_STAGE/sqlite"
	excl="$HEARTH_STAGE/exclude"
	: >"$excl"
	for db in ${HEARTH_SQLITE-}; do
		[ -f "$HEARTH_DATA/$db" ] || die "SQLite database $HEARTH_DATA/$db does not exist"
		mkdir -p "$HEARTH_STAGE/sqlite/$(dirname "$db")"
		# SQLite's online backup: a consistent copy while the app keeps writing, never the live file.
		sqlite3 "$HEARTH_DATA/$db" ".timeout 30000" ".backup '$HEARTH_STAGE/sqlite/$db'"
		ok=$(sqlite3 "$HEARTH_STAGE/sqlite/$db" "PRAGMA integrity_check;")
		[ "$ok" = ok ] || die "the copy of $db fails integrity_check: $ok"
		for f in "$db" "$db-wal" "$db-shm" "$db-journal"; do echo "$HEARTH_DATA/$f" >>"$excl"; done
	done
	# The manifest: every file the snapshot will hold, by path relative to / (as restic restores them).
	(
		cd /
		find "${HEARTH_DATA#/}" "${HEARTH_STAGE#/}/sqlite" -type f | LC_ALL=C sort | while IFS= read -r f; do
			grep -qxF "/$f" "$excl" || sha256sum "$f"
		done
	) >"$HEARTH_STAGE/MANIFEST.sha256.tmp"
	# Modification time and size beside each checksum: a file the app changed between this step and the push
	# is told apart from one the snapshot damaged.
	(cd / && awk '{ sub(/^[0-9a-f]+  /, ""); print }' "$HEARTH_STAGE/MANIFEST.sha256.tmp" |
		while IFS= read -r f; do printf '%s %s\n' "$(stat -c '%Y %s' "$f")" "$f"; done) >"$HEARTH_STAGE/MANIFEST.stat"
	mv "$HEARTH_STAGE/MANIFEST.sha256.tmp" "$HEARTH_STAGE/MANIFEST.sha256"
	log "staged $(wc -l <"$HEARTH_STAGE/MANIFEST.sha256") files, SQLite: ${HEARTH_SQLITE:-none}"
}

# ---- push ------------------------------------------------------------------------------------------------------
keep_flags() {
	for k in last daily weekly monthly; do
		v=$(eval "printf '%s' \"\${HEARTH_KEEP_$(echo "$k" | tr "[:lower:]" "[:upper:]")-0}\"")
		[ "$v" = 0 ] || printf -- '--keep-%s %s ' "$k" "$v"
	done
}
cmd_push() {
	need HEARTH_APP HEARTH_DATA HEARTH_STAGE HEARTH_TARGETS RESTIC_PASSWORD
	[ -f "$HEARTH_STAGE/MANIFEST.sha256" ] || die "no manifest in $HEARTH_STAGE: run the stage step first"
	keep=$(keep_flags)
	[ -n "$keep" ] || die "no retention set (HEARTH_KEEP_*)"
	for t in $HEARTH_TARGETS; do
		use_target "$t"
		if ! ensure_repo; then
			fail_target "$t" "opening the repository" "$err.keep"
			continue
		fi
		out=$(mktemp)
		# shellcheck disable=SC2046 # no tag, or --tag and its value
		if ! r backup --json --host "hearth-$HEARTH_APP" --tag hearth-backup --tag "app=$HEARTH_APP" \
			$([ -z "${HEARTH_EXTRA_TAG-}" ] || printf -- '--tag %s' "$HEARTH_EXTRA_TAG") \
			--exclude-file "$HEARTH_STAGE/exclude" --exclude "$HEARTH_STAGE/exclude" \
			"$HEARTH_DATA" "$HEARTH_STAGE" >"$out" 2>"$out.err"; then
			fail_target "$t" "backup" "$out.err"
			continue
		fi
		summary=$(grep '"message_type":"summary"' "$out" | tail -n 1)
		log "target $t: snapshot $(printf '%s' "$summary" | sed -n 's/.*"snapshot_id":"\([0-9a-f]*\)".*/\1/p')" \
			"added $(printf '%s' "$summary" | sed -n 's/.*"data_added":\([0-9]*\).*/\1/p') bytes"
		# A pre-restore snapshot skips retention: forgetting now could prune the very snapshot being restored.
		[ -z "${HEARTH_EXTRA_TAG-}" ] || {
			rm -f "$out" "$out.err"
			continue
		}
		# shellcheck disable=SC2086 # keep holds several flags
		if ! r forget --host "hearth-$HEARTH_APP" --tag "hearth-backup,app=$HEARTH_APP" $keep --prune \
			>/dev/null 2>"$out.err"; then
			fail_target "$t" "retention (forget --prune)" "$out.err"
		fi
		rm -f "$out" "$out.err"
	done
	finish push
}

# ---- drill -----------------------------------------------------------------------------------------------------
latest_id() { # the latest backup snapshot's id on the current target, or nothing
	r snapshots --json --host "hearth-$HEARTH_APP" --tag "hearth-backup,app=$HEARTH_APP" --latest 1 2>"$1" |
		tr ',' '\n' | sed -n 's/^"id":"\([0-9a-f]*\)"$/\1/p' | tail -n 1
}
cmd_drill_restore() {
	need HEARTH_APP HEARTH_SCRATCH HEARTH_TARGETS RESTIC_PASSWORD
	subset=${HEARTH_DRILL_SUBSET:-10%}
	for t in $HEARTH_TARGETS; do
		use_target "$t"
		dir="$HEARTH_SCRATCH/$t"
		rm -rf "$dir" && mkdir -p "$dir"
		err="$dir.err"
		id=$(latest_id "$err")
		if [ -z "$id" ]; then
			echo "no backup snapshot of $HEARTH_APP" >>"$err"
			fail_target "$t" "finding the latest snapshot" "$err"
			continue
		fi
		echo "$id" >"$dir.snapshot"
		if ! r check --read-data-subset="$subset" >/dev/null 2>"$err"; then
			fail_target "$t" "snapshot $id: restic check --read-data-subset=$subset" "$err"
			continue
		fi
		if ! r restore "$id" --target "$dir" >/dev/null 2>"$err"; then
			fail_target "$t" "snapshot $id: restore" "$err"
			continue
		fi
		log "target $t: restored snapshot $id to $dir"
	done
	finish drill-restore
}
cmd_drill_verify() {
	need HEARTH_APP HEARTH_SCRATCH HEARTH_STAGE HEARTH_TARGETS
	for t in $HEARTH_TARGETS; do
		dir="$HEARTH_SCRATCH/$t"
		RESTIC_REPOSITORY=$(var HEARTH_REPO "$t")
		err="$dir.verify"
		id=$(cat "$dir.snapshot" 2>/dev/null || echo unknown)
		manifest="$dir$HEARTH_STAGE/MANIFEST.sha256"
		if [ ! -f "$manifest" ]; then
			echo "the snapshot holds no manifest ($manifest)" >"$err"
			fail_target "$t" "snapshot $id: verify" "$err"
			continue
		fi
		# Every line sha256sum prints that is not "<file>: OK" is a file missing or changed. A changed file whose
		# restored modification time or size differs from the manifest's was written by the app after the
		# stage step: it is reported, not a failure. Same time and size but other bytes is damage.
		(cd "$dir" && { sha256sum -c "$manifest" 2>&1 | grep -v ': OK$' || true; }) >"$err.all"
		: >"$err"
		while IFS= read -r line; do
			# The count sha256sum ends with; the lines themselves say what failed.
			case $line in "sha256sum: WARNING: "*) continue ;; esac
			f=${line%: FAILED}
			if [ "$f" != "$line" ] && [ -f "$dir/$f" ]; then
				was=$(awk -v f="$f" '{ p = $0; sub(/^[0-9]+ [0-9]+ /, "", p); if (p == f) { print $1, $2; exit } }' \
					"$dir$HEARTH_STAGE/MANIFEST.stat")
				now=$(stat -c '%Y %s' "$dir/$f")
				if [ -n "$was" ] && [ "$was" != "$now" ]; then
					log "target $t: /$f changed while the backup ran (not damage)"
					continue
				fi
			fi
			echo "$line" >>"$err"
		done <"$err.all"
		rm -f "$err.all"
		if [ -s "$err" ]; then
			fail_target "$t" "snapshot $id: checksum manifest" "$err"
			continue
		fi
		bad=""
		for db in ${HEARTH_SQLITE-}; do
			ok=$(sqlite3 "$dir$HEARTH_STAGE/sqlite/$db" "PRAGMA integrity_check;" 2>&1 || true)
			[ "$ok" = ok ] || bad="$bad $db: $ok;"
		done
		if [ -n "$bad" ]; then
			echo "$bad" >"$err"
			fail_target "$t" "snapshot $id: SQLite integrity_check" "$err"
			continue
		fi
		echo "$id" >"$dir.verified"
		log "target $t: snapshot $id verified ($(wc -l <"$manifest") files)"
	done
	finish drill-verify
}
cmd_drill_record() {
	need HEARTH_APP HEARTH_SCRATCH HEARTH_TARGETS RESTIC_PASSWORD
	for t in $HEARTH_TARGETS; do
		use_target "$t"
		dir="$HEARTH_SCRATCH/$t"
		if [ ! -f "$dir.verified" ]; then
			echo "snapshot was not verified" >"$dir.rec"
			fail_target "$t" "recording the drill" "$dir.rec"
			continue
		fi
		id=$(cat "$dir.verified")
		now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
		if ! printf '{"app":"%s","target":"%s","snapshot":"%s","verifiedAt":"%s"}\n' \
			"$HEARTH_APP" "$t" "$id" "$now" |
			r backup --host "hearth-$HEARTH_APP" --tag hearth-drill --tag "app=$HEARTH_APP" \
				--stdin --stdin-filename "drill.json" >/dev/null 2>"$dir.rec"; then
			fail_target "$t" "recording the drill" "$dir.rec"
			continue
		fi
		r forget --host "hearth-$HEARTH_APP" --tag "hearth-drill,app=$HEARTH_APP" --keep-last 10 --prune \
			>/dev/null 2>&1 || true
		rm -rf "$dir" "$dir.err" "$dir.snapshot" "$dir.verify" "$dir.verified" "$dir.rec"
		log "target $t: drill of snapshot $id recorded"
	done
	finish drill-record
}

# ---- restore ---------------------------------------------------------------------------------------------------
cmd_restore() {
	need HEARTH_APP HEARTH_STAGE HEARTH_TARGETS RESTIC_PASSWORD HEARTH_RESTORE_TO
	snap=${1:-latest}
	# shellcheck disable=SC2086 # the first of the space-separated target names
	set -- $HEARTH_TARGETS
	use_target "${HEARTH_RESTORE_FROM:-$1}"
	err=$(mktemp)
	if [ "$snap" = latest ]; then
		snap=$(latest_id "$err")
		[ -n "$snap" ] || {
			echo "hearth-backup[$HEARTH_APP] no snapshot to restore in $RESTIC_REPOSITORY: $(cat "$err")" >&2
			exit 1
		}
	fi
	rm -rf "$HEARTH_RESTORE_TO" && mkdir -p "$HEARTH_RESTORE_TO"
	if ! r restore "$snap" --target "$HEARTH_RESTORE_TO" >/dev/null 2>"$err"; then
		echo "hearth-backup[$HEARTH_APP] restoring snapshot $snap from $RESTIC_REPOSITORY failed: $(cat "$err")" >&2
		exit 1
	fi
	src="$HEARTH_RESTORE_TO$HEARTH_DATA"
	[ -d "$src" ] || die "snapshot $snap holds no $HEARTH_DATA"
	# The SQLite copies go back where the live files were; their stale -wal/-shm files must not survive.
	for db in ${HEARTH_SQLITE-}; do
		cp "$HEARTH_RESTORE_TO$HEARTH_STAGE/sqlite/$db" "$src/$db"
		rm -f "$src/$db-wal" "$src/$db-shm" "$src/$db-journal"
	done
	log "restored snapshot $snap to $src"
	if [ "${HEARTH_RESTORE_LIVE:-0}" = 1 ]; then
		need HEARTH_DATA
		mkdir -p "$HEARTH_DATA"
		find "$HEARTH_DATA" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
		cp -a "$src/." "$HEARTH_DATA/"
		log "replaced the content of $HEARTH_DATA with snapshot $snap"
	fi
}

cmd_snapshots() {
	need HEARTH_APP HEARTH_TARGETS RESTIC_PASSWORD
	for t in $HEARTH_TARGETS; do
		use_target "$t"
		err=$(mktemp)
		if ! r snapshots --json --host "hearth-$HEARTH_APP" --tag "hearth-backup,app=$HEARTH_APP" 2>"$err"; then
			fail_target "$t" "listing snapshots" "$err"
		fi
		echo
	done
	[ -z "$failed" ] || exit 1
}

case "${1-}" in
stage) cmd_stage ;;
push) cmd_push ;;
backup) cmd_stage && cmd_push ;;
drill-restore) cmd_drill_restore ;;
drill-verify) cmd_drill_verify ;;
drill-record) cmd_drill_record ;;
drill) cmd_drill_restore && cmd_drill_verify && cmd_drill_record ;;
restore)
	shift
	cmd_restore "$@"
	;;
snapshots) cmd_snapshots ;;
*) die "usage: hearth-backup.sh stage|push|backup|drill|drill-restore|drill-verify|drill-record|restore SNAP|snapshots" ;;
esac
