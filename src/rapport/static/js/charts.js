// Draws every [data-chart] element with Apache ECharts (its option is the attribute's
// JSON) and lets a [data-png] button download that chart as a PNG image.
(function () {
  "use strict";

  var drawn = {};

  function draw(element) {
    var chart = echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(JSON.parse(element.dataset.chart));
    drawn[element.id] = chart;
  }

  function download(button) {
    var chart = drawn[button.dataset.png];
    if (!chart) {
      return;
    }
    var link = document.createElement("a");
    link.href = chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#ffffff" });
    link.download = button.dataset.name + ".png";
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  function start() {
    document.querySelectorAll("[data-chart]").forEach(draw);
    document.querySelectorAll("[data-png]").forEach(function (button) {
      button.addEventListener("click", function () {
        download(button);
      });
    });
    window.addEventListener("resize", function () {
      Object.keys(drawn).forEach(function (id) {
        drawn[id].resize();
      });
    });
    document.documentElement.dataset.chartsReady = "true";
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
