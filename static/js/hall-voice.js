// OPD Token: the waiting hall's voice (templates/tokens/display.html, docs/pages.md
// "Voice calling"). When a doctor calls a token, the board — refreshed by htmx every
// 5 s — shows the number in a banner for 10 s, chimes (a tone made with WebAudio, no
// audio file) and says it with the browser's speech synthesis, in the board's
// language: "Token S H A 0 1 4, room 101" (the server spells the number out in the
// panel's data-announce). A new call is a panel whose data-now-serving differs from
// the previous render; nothing is announced for what the board showed when it loaded.
//
// Sound: off for the board with ?sound=off (data-sound="off"), or with the toggle
// button (remembered in localStorage). Browsers refuse audio until someone touches the
// page: a "Tap to enable sound" button then shows once. Hall TVs should start Chromium
// with --autoplay-policy=no-user-gesture-required, and need no tap.
(function () {
  "use strict";

  var BANNER_MS = 10000;
  var CHIME_MS = 900; // the chime's two notes, before the voice starts
  var STORE = "opd.hall.sound";

  var voice = document.getElementById("hall-voice");
  if (!voice) return;
  var banner = document.getElementById("hall-call");
  var unlock = voice.querySelector("[data-sound-unlock]");
  var toggle = voice.querySelector("[data-sound-toggle]");
  var boardMuted = voice.dataset.sound === "off";
  var previous = null; // doctor id -> the number that panel was serving
  var bannerTimer = null;
  var audio = null;

  function stored() {
    try {
      return window.localStorage.getItem(STORE);
    } catch (e) {
      return null; // storage disabled: sound stays on
    }
  }

  function soundOn() {
    return !boardMuted && stored() !== "off";
  }

  function audioContext() {
    if (audio) return audio;
    var Context = window.AudioContext || window.webkitAudioContext;
    if (Context) {
      try {
        audio = new Context();
      } catch (e) {
        audio = null;
      }
    }
    return audio;
  }

  // A two-note "ding-dong", generated: no audio file to fetch.
  function chime() {
    var ctx = audioContext();
    if (!ctx || ctx.state !== "running") return false;
    var start = ctx.currentTime + 0.02;
    [[880, 0], [660, 0.38]].forEach(function (note) {
      var osc = ctx.createOscillator();
      var gain = ctx.createGain();
      var at = start + note[1];
      osc.type = "sine";
      osc.frequency.value = note[0];
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.35, at + 0.03);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.7);
      osc.connect(gain);
      gain.connect(ctx.destination);
      osc.start(at);
      osc.stop(at + 0.75);
    });
    return true;
  }

  function say(text) {
    var synth = window.speechSynthesis;
    if (!synth || !window.SpeechSynthesisUtterance || !text) return;
    var utterance = new window.SpeechSynthesisUtterance(text);
    utterance.lang = voice.dataset.speechLang || "en-IN";
    utterance.rate = 0.9;
    var voices = synth.getVoices ? synth.getVoices() : [];
    var lang = utterance.lang.toLowerCase();
    var base = lang.split("-")[0];
    var match =
      voices.filter(function (v) { return (v.lang || "").toLowerCase() === lang; })[0] ||
      voices.filter(function (v) { return (v.lang || "").toLowerCase().split("-")[0] === base; })[0];
    if (match) utterance.voice = match;
    synth.speak(utterance);
  }

  function showBanner(card) {
    if (!banner) return;
    var number = banner.querySelector("[data-role=call-number]");
    var room = banner.querySelector("[data-role=call-room]");
    var roomLabel = card.querySelector(".hall-room");
    number.textContent = card.dataset.nowServing;
    room.textContent = roomLabel ? roomLabel.textContent : "";
    banner.hidden = false;
    if (bannerTimer) window.clearTimeout(bannerTimer);
    bannerTimer = window.setTimeout(function () {
      banner.hidden = true;
    }, BANNER_MS);
  }

  function announce(card) {
    showBanner(card);
    if (!soundOn()) return;
    var text = card.dataset.announce;
    if (chime()) {
      window.setTimeout(function () { say(text); }, CHIME_MS);
    } else {
      say(text);
    }
  }

  // Each panel's number now; the first reading only remembers.
  function compare() {
    var cards = document.querySelectorAll("#hall-board .hall-card[data-doctor]");
    var now = {};
    var called = [];
    cards.forEach(function (card) {
      var doctor = card.dataset.doctor;
      var number = card.dataset.nowServing || "";
      now[doctor] = number;
      if (previous && doctor in previous && number && number !== previous[doctor]) {
        called.push(card);
      }
    });
    previous = now;
    called.forEach(announce);
  }

  function showToggle() {
    if (!toggle) return;
    var on = soundOn();
    toggle.setAttribute("aria-pressed", on ? "true" : "false");
    toggle.textContent = on ? toggle.dataset.labelOn : toggle.dataset.labelOff;
  }

  function offerUnlock() {
    if (!unlock || !soundOn()) return;
    var ctx = audioContext();
    if (ctx && ctx.state !== "running") unlock.hidden = false;
  }

  if (unlock) {
    unlock.addEventListener("click", function () {
      var ctx = audioContext();
      if (ctx && ctx.resume) ctx.resume();
      unlock.hidden = true; // once: the touch is the gesture the browser waited for
    });
  }

  if (toggle) {
    toggle.addEventListener("click", function () {
      try {
        window.localStorage.setItem(STORE, soundOn() ? "off" : "on");
      } catch (e) {
        /* storage disabled: nothing to remember */
      }
      if (soundOn()) {
        var ctx = audioContext();
        if (ctx && ctx.resume) ctx.resume();
        if (unlock) unlock.hidden = true;
      } else if (window.speechSynthesis && window.speechSynthesis.cancel) {
        window.speechSynthesis.cancel();
      }
      showToggle();
    });
  }

  // A new board came in (htmx swaps #hall-board every 5 s when it changed).
  document.addEventListener("htmx:load", function (event) {
    var elt = event.detail && event.detail.elt;
    if (elt && (elt.id === "hall-board" || (elt.querySelector && elt.querySelector("#hall-board")))) {
      compare();
    }
  });

  compare();
  showToggle();
  offerUnlock();
})();
