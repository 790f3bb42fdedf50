/* The e-screen rotates through its notices by itself, one every data-every seconds; no interaction needed.
   Without scripts it shows the first notice, and the page's refresh still brings new ones. */
(function () {
  "use strict";
  var slides = document.querySelectorAll("[data-slide]");
  var counter = document.querySelector("[data-counter]");
  var every = Math.max(2, Number(document.body.getAttribute("data-every")) || 12) * 1000;
  var shown = 0;

  function show(n) {
    for (var k = 0; k < slides.length; k++) {
      slides[k].hidden = k !== n;
    }
    if (counter) {
      counter.textContent = (n + 1) + " / " + slides.length;
    }
    document.body.setAttribute("data-shown", String(n));
  }

  show(0);
  if (slides.length > 1) {
    setInterval(function () {
      shown = (shown + 1) % slides.length;
      show(shown);
    }, every);
  }
})();
