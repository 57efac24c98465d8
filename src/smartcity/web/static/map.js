// Maps of our own layers (GeoJSON from this server) on Leaflet. A map element says what to
// show in data attributes: data-layers (GeoJSON URLs), data-center, data-zoom, data-tiles
// (empty: no background map), data-pick (ids of the latitude and longitude inputs a click
// fills in) and data-live (a server-sent events URL whose messages update markers).
(function () {
  "use strict";

  var COLOURS = {
    report: { open: "#f28e2b", closed: "#6b7680" },
    parking: { open: "#2c7fb8", closed: "#6b7680", nodata: "#c8c8c8" },
    lamp: { on: "#ffd200", off: "#3c3c3c", fault: "#d7191c" },
    sensor: { ok: "#ffffff" }
  };

  function colourOf(properties) {
    if (properties.colour) { return properties.colour; }
    var kind = COLOURS[properties.kind] || {};
    return kind[properties.state] || "#ffffff";
  }

  // Names come from devices and staff: they are text, never markup. Leaflet reads a string
  // given to a popup or tooltip as HTML, so both get DOM nodes whose text is set.
  function textNode(tag, text) {
    var node = document.createElement(tag);
    node.textContent = text || "";
    return node;
  }

  // Links are relative to this site or http(s) addresses, never javascript: or data:.
  function safeHref(href) {
    var scheme = /^\s*([a-z][a-z0-9+.\-]*):/i.exec(href || "");
    return !scheme || /^https?$/i.test(scheme[1]) ? href : null;
  }

  function popup(properties) {
    var box = document.createElement("div");
    box.appendChild(textNode("strong", properties.title));
    if (properties.text) {
      var text = textNode("div", properties.text);
      text.className = "popup-text";
      box.appendChild(text);
    }
    if (properties.link && safeHref(properties.link)) {
      var link = textNode("a", properties.linkLabel || properties.title);
      link.href = safeHref(properties.link);
      box.appendChild(document.createElement("br"));
      box.appendChild(link);
    }
    (properties.datastreams || []).forEach(function (stream) {
      var item = document.createElement("div");
      var a = textNode("a", stream.name);
      a.href = "datenstroeme/" + encodeURIComponent(stream.id);
      item.appendChild(a);
      box.appendChild(item);
    });
    return box;
  }

  function markerFor(feature, latlng) {
    var marker = L.circleMarker(latlng, {
      radius: feature.properties.kind === "parking" ? 10 : 7,
      color: "#1b1f24",
      weight: 2,
      fillColor: colourOf(feature.properties),
      fillOpacity: 0.95
    });
    marker.bindPopup(function () { return popup(feature.properties); });
    marker.bindTooltip(textNode("span", feature.properties.title));
    return marker;
  }

  function setUp(element) {
    var center = (element.dataset.center || "51.05,13.74").split(",").map(Number);
    var map = L.map(element, { scrollWheelZoom: false }).setView(center, Number(element.dataset.zoom || 13));
    if (element.dataset.tiles) {
      L.tileLayer(element.dataset.tiles, {
        maxZoom: 19,
        attribution: element.dataset.attribution || ""
      }).addTo(map);
    }
    var markers = {};
    var bounds = [];
    (element.dataset.layers || "").split(" ").filter(Boolean).forEach(function (url) {
      fetch(url, { headers: { Accept: "application/geo+json" }, credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          L.geoJSON(data, {
            pointToLayer: markerFor,
            // Areas (a participation process's polygon, its districts) as outlines.
            style: function () {
              return { color: "#1b1f24", weight: 2, fillColor: "#2c7fb8", fillOpacity: 0.08 };
            },
            onEachFeature: function (feature, layer) {
              if (!layer.getLatLng) {
                layer.bindTooltip(textNode("span", feature.properties.title));
                return;
              }
              markers[feature.properties.kind + ":" + feature.properties.id] = layer;
              bounds.push(layer.getLatLng());
            }
          }).addTo(map);
          element.dataset.loaded = String(Number(element.dataset.loaded || 0) + 1);
        });
    });
    if (element.dataset.pick) { pickOn(map, element.dataset.pick.split(",")); }
    if (element.dataset.live) { listen(element, markers); }
  }

  function pickOn(map, ids) {
    var lat = document.getElementById(ids[0]);
    var lon = document.getElementById(ids[1]);
    var pin = null;
    function place(latlng) {
      if (pin) { pin.setLatLng(latlng); } else { pin = L.marker(latlng, { keyboard: true }).addTo(map); }
      lat.value = latlng.lat.toFixed(6);
      lon.value = latlng.lng.toFixed(6);
    }
    if (lat.value && lon.value) { place(L.latLng(Number(lat.value), Number(lon.value))); }
    map.on("click", function (event) { place(event.latlng); });
    [lat, lon].forEach(function (input) {
      input.addEventListener("change", function () {
        if (lat.value && lon.value) {
          var latlng = L.latLng(Number(lat.value.replace(",", ".")), Number(lon.value.replace(",", ".")));
          place(latlng);
          map.panTo(latlng);
        }
      });
    });
    var locate = document.querySelector("[data-locate]");
    if (locate && navigator.geolocation) {
      locate.hidden = false;
      locate.addEventListener("click", function () {
        navigator.geolocation.getCurrentPosition(function (position) {
          var latlng = L.latLng(position.coords.latitude, position.coords.longitude);
          place(latlng);
          map.setView(latlng, 17);
        });
      });
    }
  }

  function listen(element, markers) {
    var log = document.getElementById(element.dataset.liveLog || "live-log");
    var source = new EventSource(element.dataset.live);
    source.addEventListener("observation", function (event) {
      var data = JSON.parse(event.data);
      if (log) {
        var item = textNode("li", data.text);
        log.insertBefore(item, log.firstChild);
        while (log.children.length > 50) { log.removeChild(log.lastChild); }
      }
      (data.features || []).forEach(function (feature) {
        var marker = markers[feature.properties.kind + ":" + feature.properties.id];
        if (marker) {
          marker.setStyle({ fillColor: colourOf(feature.properties) });
          marker.setPopupContent(popup(feature.properties));
        }
      });
    });
  }

  document.querySelectorAll(".map").forEach(setUp);
})();
