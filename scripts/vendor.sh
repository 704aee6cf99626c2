#!/bin/sh
# Vendor the JavaScript the project ships or tests with, from the npm registry (no CDN):
#
#   @zazuko/yasgui  -> server/web/static/vendor/yasgui/   (the SPARQL query editor, served from /static)
#   axe-core        -> tests/vendor/axe-core/             (accessibility checks, only injected by the browser tests)
#
# `npm pack` fetches the published tarball of the pinned version into a temporary directory; the
# built files and the licence are copied, with a VENDORED file recording name, version, licence
# and the tarball's integrity hash. The copied files are committed, so the service and the tests
# work offline; run this script (`make vendor`) only to change a version.
set -eu

YASGUI_VERSION=4.6.2
AXE_VERSION=4.14.1

root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fetch() {  # fetch NAME VERSION -> unpacks into $tmp/NAME-VERSION/package
    dir="$tmp/$(echo "$1" | tr '/@' '__')-$2"
    mkdir -p "$dir"
    (cd "$dir" && npm pack --silent "$1@$2" >/dev/null && tar xzf ./*.tgz)
    echo "$dir"
}

record() {  # record NAME VERSION DIR DEST
    integrity=$(cd "$3" && npm view "$1@$2" dist.integrity 2>/dev/null || echo unknown)
    licence=$(node -e "console.log(require('$3/package/package.json').license)")
    {
        echo "name: $1"
        echo "version: $2"
        echo "licence: $licence"
        echo "source: https://registry.npmjs.org/$1/-/$(basename "$3"/*.tgz)"
        echo "integrity: $integrity"
        echo "vendored by: scripts/vendor.sh"
    } > "$4/VENDORED"
}

# YASGUI: the UMD build (one script, one stylesheet; everything it needs is bundled)
d=$(fetch @zazuko/yasgui "$YASGUI_VERSION")
dest="$root/server/web/static/vendor/yasgui"
rm -rf "$dest" && mkdir -p "$dest"
cp "$d/package/build/yasgui.min.js" "$d/package/build/yasgui.min.css" "$dest/"
if [ -f "$d/package/LICENSE" ]; then cp "$d/package/LICENSE" "$dest/LICENSE"; else
    # the published package ships no licence file: record what its package.json declares
    node -e "const p = require('$d/package/package.json');
      console.log('The npm package ' + p.name + ' ' + p.version + ' ships no licence file; its package.json declares:');
      console.log('  license: ' + p.license);
      console.log('  author: ' + (typeof p.author === 'string' ? p.author : p.author.name));
      console.log('  contributors: ' + (p.contributors || []).map(c => c.name || c).join(', '));
      console.log('  repository: ' + (p.repository.url || p.repository));
      console.log('yasgui.min.js bundles its dependencies (package.json dependencies: ' + Object.keys(p.dependencies).join(', ') + ').');" > "$dest/LICENSE"
fi
record @zazuko/yasgui "$YASGUI_VERSION" "$d" "$dest"

# axe-core: the minified engine and its licences (MPL-2.0)
d=$(fetch axe-core "$AXE_VERSION")
dest="$root/tests/vendor/axe-core"
rm -rf "$dest" && mkdir -p "$dest"
cp "$d/package/axe.min.js" "$d/package/LICENSE" "$d/package/LICENSE-3RD-PARTY.txt" "$dest/"
record axe-core "$AXE_VERSION" "$d" "$dest"

echo "vendored @zazuko/yasgui $YASGUI_VERSION and axe-core $AXE_VERSION"
