/* ResizeObserver for browsers without it (iOS 12 and older WebViews, Chrome
   before 64), loaded before Material's bundle. Without it the bundle loads a
   polyfill from unpkg.com, which is blocked in mainland China: on those
   phones every page waited for it. Material only asks which observed
   element changed size and then measures the element itself, so this one
   compares the elements' sizes whenever the layout may have changed.
   ES5 only: the browsers that need it are old. */
(function () {
  "use strict";
  if (window.ResizeObserver) return;
  var observers = [];
  var pending = false;

  function Observer(callback) {
    this.callback = callback;
    this.watched = [];
  }
  Observer.prototype.observe = function (el) {
    for (var i = 0; i < this.watched.length; i++) if (this.watched[i].el === el) return;
    this.watched.push({ el: el, w: -1, h: -1 });
    if (observers.indexOf(this) < 0) observers.push(this);
    check();
  };
  Observer.prototype.unobserve = function (el) {
    this.watched = this.watched.filter(function (w) { return w.el !== el; });
  };
  Observer.prototype.disconnect = function () {
    this.watched = [];
    var at = observers.indexOf(this);
    if (at >= 0) observers.splice(at, 1);
  };

  function measure() {
    pending = false;
    observers.slice().forEach(function (observer) {
      var changed = [];
      observer.watched.forEach(function (w) {
        var width = w.el.offsetWidth, height = w.el.offsetHeight;
        if (width !== w.w || height !== w.h) {
          w.w = width;
          w.h = height;
          changed.push({ target: w.el, contentRect: w.el.getBoundingClientRect() });
        }
      });
      if (changed.length) observer.callback(changed, observer);
    });
  }

  function check() {
    if (pending) return;
    pending = true;
    (window.requestAnimationFrame || setTimeout)(measure);
  }

  ["resize", "orientationchange", "load", "click", "transitionend"].forEach(function (name) {
    window.addEventListener(name, check, true);
  });
  document.addEventListener("DOMContentLoaded", check);
  window.ResizeObserver = Observer;
})();
