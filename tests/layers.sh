#!/usr/bin/env bash
# layers.sh [ROOT]: the layers of docs/design.md run one way, so that a
# second store backend (docs/scale-out.md) can be added behind store/*.h
# without anything above store/ noticing.  Checks the C sources under ROOT
# (default: this checkout) and prints one FAIL line per file that breaks a
# rule:
#   1. store/ includes nothing from catalog/, fs/ or tools/;
#   2. lib/ includes nothing of the project but lib/;
#   3. catalog/ includes nothing from fs/ or tools/;
#   4. only store/sqlite/ sees SQLite: no <sqlite3.h>, sqlite3_ call or
#      sqlite3 type elsewhere, and no store/*.h includes <sqlite3.h>; a
#      unit test of that backend (one that includes store/sqlite/sqlite.h,
#      as tests/unit/check_store.c does) may;
#   5. store/sqlite/sqlite.h, the backend's private header, is included
#      only inside store/sqlite/ and by such unit tests;
#   6. and the same for PostgreSQL: no <libpq-fe.h>, PQ call or libpq type
#      outside store/pg/ but in a unit test that includes store/pg/pg.h
#      (tests/unit/check_pg_*.c); store/pg/pg.h only there.
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || exit 1
fails=0

# forbid WHAT REGEX FILE...: one FAIL line for each file with a line that
# matches REGEX (its first such line, and how many more there are).
forbid() {
	local what=$1 re=$2 f first n
	[ $# -gt 2 ] || return 0
	shift 2
	for f in "$@"; do
		first=$(grep -nE -m1 -- "$re" "$f") || continue
		n=$(grep -cE -- "$re" "$f")
		echo "FAIL - $what: $f:$first$([ "$n" -gt 1 ] && echo " (and $((n - 1)) more)")"
		fails=$((fails + 1))
	done
}

# The C files of some folders, as paths relative to root.
sources() {
	find "$@" -type f \( -name '*.c' -o -name '*.h' \) 2>/dev/null | sort
}

[ -d store ] && [ -d catalog ] && [ -d fs ] || { echo "FAIL - $root is not an osfs checkout"; exit 1; }

inc='^[[:space:]]*#[[:space:]]*include[[:space:]]*'
forbid "store/ includes a layer above it" "$inc\"(catalog|fs|tools)/" $(sources store)
forbid "lib/ includes the project outside lib/" "$inc\"([^l]|l[^i]|li[^b]|lib[^/])" $(sources lib)
forbid "catalog/ includes a layer above it" "$inc\"(fs|tools)/" $(sources catalog)

# A unit test that includes store/sqlite/sqlite.h says by that it tests
# the SQLite backend (check_store.c; a fault injected with a trigger): it
# may look at the database directly.  Nothing else outside store/sqlite/.
outside=()
for f in $(sources fs catalog tools lib store tests bench); do
	case $f in
	store/sqlite/*) continue ;;
	tests/unit/*) grep -qE "$inc\"store/sqlite/sqlite\.h\"" "$f" && continue ;;
	esac
	outside+=("$f")
done
forbid "SQLite outside store/sqlite/" 'sqlite3_|<sqlite3\.h>|\bsqlite3[[:space:]]*\*|\bSQLITE_[A-Z]' "${outside[@]}"
forbid "the SQLite backend's private header outside it and its tests" "$inc\"store/sqlite/" "${outside[@]}"
forbid "a store interface header includes SQLite" "$inc<sqlite3\.h>" $(find store -maxdepth 1 -name '*.h' | sort)

outside=()
for f in $(sources fs catalog tools lib store tests bench); do
	case $f in
	store/pg/*) continue ;;
	tests/unit/*) grep -qE "$inc\"store/pg/pg\.h\"" "$f" && continue ;;
	esac
	outside+=("$f")
done
forbid "libpq outside store/pg/" '\bPQ[a-z]+[[:space:]]*\(|<libpq-fe\.h>|\bPG(conn|result)\b' "${outside[@]}"
forbid "the PostgreSQL backend's private header outside it and its tests" "$inc\"store/pg/pg\.h\"" "${outside[@]}"

if [ "$fails" -gt 0 ]; then
	echo "layers.sh: $fails file(s) break the layers (docs/design.md, Layers)"
	exit 1
fi
echo "layers.sh: the layers run one way"
