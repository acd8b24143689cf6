// Tell RequireJS where the widgets manager bundled with this book lives. Its modules compute
// the URL of their icon fonts from their own module path, so every @jupyter-widgets module
// must resolve into html-manager/ here, not to a folder next to each page.
(function () {
  var src = document.currentScript.src;
  var base = src.substring(0, src.lastIndexOf("/") + 1) + "html-manager";
  require.config({ paths: { "@jupyter-widgets/html-manager/dist": base, "@jupyter-widgets": base } });
})();

// The widgets typeset their labels with MathJax 2's MathJax.Hub.Queue; the book runs MathJax 3,
// which has no Hub, so every widget label would throw. MathJax 3 (deferred) has loaded by
// DOMContentLoaded, and this listener runs before the widgets manager renders anything: give
// MathJax a Hub whose Queue typesets the element with MathJax 3 once it is ready.
document.addEventListener("DOMContentLoaded", function () {
  var mathjax = window.MathJax;
  if (!mathjax || mathjax.Hub) {
    return;
  }
  mathjax.Hub = {
    Queue: function (job) {
      var element = job && job[2];
      if (element && mathjax.startup && mathjax.startup.promise) {
        mathjax.startup.promise.then(function () { return mathjax.typesetPromise([element]); });
      }
    },
  };
});
