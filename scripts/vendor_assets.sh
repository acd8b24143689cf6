#!/usr/bin/env bash
# Re-create book/vendor/ from the npm registry: the JavaScript the published book serves itself
# (MathJax, RequireJS, the Jupyter widgets HTML manager) so that it needs no CDN.
# The result is committed; run this only to change a version below, and then put the new
# package's integrity (npm pack prints it) beside it. Each package is checked against its
# recorded integrity before anything is copied; SHA256SUMS then records every file copied,
# and tests/test_vendor.py checks the committed files against it. widgets-config.js, beside
# them, is ours and stays.
set -euo pipefail
MATHJAX=3.2.2
MATHJAX_INTEGRITY=sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw==
REQUIREJS=2.3.7
REQUIREJS_INTEGRITY=sha512-DouTG8T1WanGok6Qjg2SXuCMzszOo0eHeH9hDZ5Y4x8Je+9JB38HdTLT4/VA8OaUhBa0JPVHJ0pyBkM1z+pDsw==
HTML_MANAGER=1.0.6
HTML_MANAGER_INTEGRITY=sha512-+Mn+Ra8wyIHrYaUpfmf9A3dsLkt/NuwzPQN8sthdxBD35VV5cOJbpmgMhNR27n/rmP3mKyEe0PWCJrtZrXTXDQ==

root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/book/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

pack() {  # pack NAME@VERSION INTEGRITY: fetch the tarball, refuse it if it is not that one
  local got
  got="$(npm pack --silent --json "$1" | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["integrity"])')"
  if [ "$got" != "$2" ]; then
    echo "$1: npm gave integrity $got, expected $2" >&2
    exit 1
  fi
}
pack "mathjax@$MATHJAX" "$MATHJAX_INTEGRITY"
pack "requirejs@$REQUIREJS" "$REQUIREJS_INTEGRITY"
pack "@jupyter-widgets/html-manager@$HTML_MANAGER" "$HTML_MANAGER_INTEGRITY"
for f in *.tgz; do mkdir "${f%.tgz}"; tar xzf "$f" -C "${f%.tgz}"; done

rm -rf "$out/mathjax" "$out/html-manager" "$out/require.js" && mkdir -p "$out/mathjax/output/chtml/fonts" "$out/mathjax/input/tex" "$out/html-manager"
mj="mathjax-$MATHJAX/package/es5"
# tex-mml-chtml is the component Sphinx loads; TeX extensions load on demand; CHTML needs its fonts.
cp "$mj/tex-mml-chtml.js" "$out/mathjax/"
cp -r "$mj/input/tex/extensions" "$out/mathjax/input/tex/"
cp -r "$mj/output/chtml/fonts/woff-v2" "$out/mathjax/output/chtml/fonts/"
cp "mathjax-$MATHJAX/package/LICENSE" "$out/mathjax/LICENSE"
# RequireJS ships no licence file; its licence (MIT) heads require.js itself.
cp "requirejs-$REQUIREJS/package/require.js" "$out/require.js"
hm="jupyter-widgets-html-manager-$HTML_MANAGER/package"
# embed-amd.js plus the chunks and (woff2) icon fonts it loads from its own folder; its own
# licence (BSD-3-Clause) and the notices of what its bundle contains.
cp "$hm/dist/embed-amd.js" "$hm"/dist/*.embed.js "$hm"/dist/*.woff2 "$hm/dist/embed.js.LICENSE.txt" "$out/html-manager/"
cp "$hm/LICENSE" "$out/html-manager/LICENSE"
cat > "$out/VERSIONS" <<VERSIONS
mathjax $MATHJAX $MATHJAX_INTEGRITY
requirejs $REQUIREJS $REQUIREJS_INTEGRITY
@jupyter-widgets/html-manager $HTML_MANAGER $HTML_MANAGER_INTEGRITY
VERSIONS
cd "$out"
find mathjax html-manager require.js -type f | LC_ALL=C sort | xargs sha256sum > SHA256SUMS
du -sh "$out"
