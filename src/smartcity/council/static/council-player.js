// The council's own media player (docs/council.md, "Streaming"): a native <video> element.
// Where the browser does not play HLS itself (all but Safari and some phones), hls.js
// (vendored, Apache-2.0, static/hls.js/) feeds the stream into it; without JavaScript the
// page links to the stream. Chapter links seek the recording on the page instead of opening
// the file (they work as plain #t= links without JavaScript).
(function () {
  "use strict";
  document.querySelectorAll("video[data-hls]").forEach(function (video) {
    if (video.canPlayType("application/vnd.apple.mpegurl")) {
      return;
    }
    if (!window.Hls || !window.Hls.isSupported()) {
      return;
    }
    // No worker: the page's content security policy allows scripts from us only.
    var hls = new window.Hls({ enableWorker: false });
    hls.loadSource(video.getAttribute("data-hls"));
    hls.attachMedia(video);
  });
  document.querySelectorAll("a[data-seconds]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var video = document.getElementById("aufzeichnung");
      if (!video) {
        return;
      }
      event.preventDefault();
      video.currentTime = Number(link.getAttribute("data-seconds"));
      video.focus();
      video.play();
    });
  });
})();
