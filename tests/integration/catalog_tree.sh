# catalog_tree ROOT FILE...: writes a static catalog (docs/catalog.md, "The
# wire protocol") serving the given artifacts under ROOT: the root index,
# each package's index with the true size and xxh3, and the artifacts.
# Sourced after lib.sh; uses osfsctl inspect.
catalog_tree() {
	local root=$1 f id ver size xxh pkgs="" sep="" info
	shift
	declare -A vers=()
	mkdir -p "$root/packages"
	for f in "$@"; do
		info=$("$OSFSCTL" inspect "$f")
		id=$(sed -n 's/^package: *\(.*\)@.*/\1/p' <<<"$info")
		ver=$(sed -n 's/^package: *.*@//p' <<<"$info")
		xxh=$(sed -n 's/^xxh3: *//p' <<<"$info")
		size=$(stat -c %s "$f")
		mkdir -p "$root/packages/$id"
		cp "$f" "$root/packages/$id/$ver.json"
		vers[$id]="${vers[$id]:+${vers[$id]}, }\"$ver\": {\"file\": \"$ver.json\", \"size\": $size, \"xxh3\": \"$xxh\"}"
	done
	for id in "${!vers[@]}"; do
		printf '{"format": "osfs-catalog/1", "id": "%s", "versions": {%s}}\n' "$id" "${vers[$id]}" \
			>"$root/packages/$id/index.json"
		pkgs="$pkgs$sep\"$id\": {\"latest\": \"\", \"versions\": []}"
		sep=", "
	done
	printf '{"format": "osfs-catalog/1", "packages": {%s}}\n' "$pkgs" >"$root/index.json"
}
