/* The staff scanner page reads a ticket's QR code with the device's camera and sends the same
   form staff would send by typing the code. Without JavaScript, without a camera or without
   a secure context (HTTPS) the camera part stays hidden or says why, and the form works as
   before. Decoding runs in this browser (zxing-wasm, vendored under
   /static/leisure/zxing-wasm/); nothing is sent anywhere but to our own form. The texts come
   from the page (data-* attributes), in the page's language. */
(function () {
  "use strict";

  var box = document.getElementById("kamera");
  var form = document.getElementById("pruefen");
  var field = document.getElementById("feld-code");
  if (!box || !form || !field) {
    return;
  }
  var text = box.dataset;
  var status = box.querySelector("[data-status]");
  var startButton = box.querySelector("[data-start]");
  var stopButton = box.querySelector("[data-stop]");
  var video = box.querySelector("video");
  // The camera stays on from one ticket to the next while the page is open in this tab; the
  // ticket just checked (still in front of the camera) is not sent again until it is stopped.
  var KEEP = "smartcity.leisure.camera";
  var LAST = "smartcity.leisure.camera.last";
  var stream = null;
  var timer = null;
  var busy = false;

  function say(message) {
    status.textContent = message;
  }

  box.hidden = false;
  if (!window.isSecureContext) {
    say(text.insecure);
    startButton.hidden = true;
    return;
  }
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.ZXingWASM) {
    say(text.unavailable);
    startButton.hidden = true;
    return;
  }

  window.ZXingWASM.prepareZXingModule({
    overrides: {
      // Our copy of the binary, never the CDN address the library was built with.
      locateFile: function (path, prefix) {
        return path.endsWith(".wasm") ? text.wasm : prefix + path;
      },
    },
  });

  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  video.style.width = "100%";
  video.style.maxWidth = "32rem";

  function stop(message) {
    if (timer !== null) {
      window.clearInterval(timer);
      timer = null;
    }
    if (stream) {
      stream.getTracks().forEach(function (track) {
        track.stop();
      });
      stream = null;
    }
    video.hidden = true;
    stopButton.hidden = true;
    startButton.hidden = false;
    if (message) {
      say(message);
    }
  }

  async function look() {
    if (busy || !stream || video.readyState < 2 || !video.videoWidth) {
      return;
    }
    busy = true;
    try {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var picture = context.getImageData(0, 0, canvas.width, canvas.height);
      var found = await window.ZXingWASM.readBarcodes(picture, {
        formats: ["QRCode"],
        maxNumberOfSymbols: 1,
        tryHarder: true,
      });
      var code = found.length && found[0].isValid ? found[0].text.trim() : "";
      if (code && stream && code !== window.sessionStorage.getItem(LAST)) {
        stop(text.found);
        field.value = code;
        window.sessionStorage.setItem(KEEP, "1");
        window.sessionStorage.setItem(LAST, code);
        if (form.requestSubmit) {
          form.requestSubmit();
        } else {
          form.submit();
        }
      }
    } catch (error) {
      stop(text.failed);
    } finally {
      busy = false;
    }
  }

  async function start() {
    say(text.starting);
    startButton.hidden = true;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: { ideal: "environment" } },
        audio: false,
      });
    } catch (error) {
      window.sessionStorage.removeItem(KEEP);
      stop(error && error.name === "NotAllowedError" ? text.denied : text.unavailable);
      return;
    }
    video.srcObject = stream;
    video.hidden = false;
    stopButton.hidden = false;
    try {
      await video.play();
    } catch (error) {
      // Playing a muted inline video needs no gesture; a refusal still shows the picture.
    }
    say(text.looking);
    timer = window.setInterval(look, 250);
  }

  startButton.addEventListener("click", function () {
    window.sessionStorage.removeItem(LAST);
    start();
  });
  stopButton.addEventListener("click", function () {
    window.sessionStorage.removeItem(KEEP);
    window.sessionStorage.removeItem(LAST);
    stop(text.stopped);
    startButton.focus();
  });
  window.addEventListener("pagehide", function () {
    stop("");
  });
  if (window.sessionStorage.getItem(KEEP) === "1") {
    start();
  }
})();
