#!/usr/bin/env bash
# Re-create book/vendor/ from the npm registry: the JavaScript the published book serves itself
# (MathJax, RequireJS, the Jupyter widgets HTML manager) so that it needs no CDN.
# The result is committed; run this only to change a version below. widgets-config.js, beside
# them, is ours and stays.
set -euo pipefail
MATHJAX=3.2.2
REQUIREJS=2.3.7
HTML_MANAGER=1.0.6

root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/book/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "mathjax@$MATHJAX" "requirejs@$REQUIREJS" "@jupyter-widgets/html-manager@$HTML_MANAGER" >/dev/null
for f in *.tgz; do mkdir "${f%.tgz}"; tar xzf "$f" -C "${f%.tgz}"; done

rm -rf "$out/mathjax" "$out/html-manager" "$out/require.js" && mkdir -p "$out/mathjax/output/chtml/fonts" "$out/mathjax/input/tex" "$out/html-manager"
mj="mathjax-$MATHJAX/package/es5"
# tex-mml-chtml is the component Sphinx loads; TeX extensions load on demand; CHTML needs its fonts.
cp "$mj/tex-mml-chtml.js" "$out/mathjax/"
cp -r "$mj/input/tex/extensions" "$out/mathjax/input/tex/"
cp -r "$mj/output/chtml/fonts/woff-v2" "$out/mathjax/output/chtml/fonts/"
cp "mathjax-$MATHJAX/package/LICENSE" "$out/mathjax/LICENSE"
cp "requirejs-$REQUIREJS/package/require.js" "$out/require.js"
hm="jupyter-widgets-html-manager-$HTML_MANAGER/package"
# embed-amd.js plus the chunks and (woff2) icon fonts it loads from its own folder.
cp "$hm/dist/embed-amd.js" "$hm"/dist/*.embed.js "$hm"/dist/*.woff2 "$hm/dist/embed.js.LICENSE.txt" "$out/html-manager/"
cat > "$out/VERSIONS" <<VERSIONS
mathjax $MATHJAX
requirejs $REQUIREJS
@jupyter-widgets/html-manager $HTML_MANAGER
VERSIONS
du -sh "$out"
