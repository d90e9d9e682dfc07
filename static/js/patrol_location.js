// The patrol report's "use current location": the phone's position (WGS-84, from the browser)
// goes into the form's hidden latitude and longitude, and the page says which grid holds it
// (asked of /api/v1/locate/, which answers only the grids the worker may see). The ticket is
// then routed by that place. Without a location the grid in the list is used.

const config = JSON.parse(document.getElementById("locate-config").textContent);
const words = config.words;
const shell = document.getElementById("here-shell");
const button = document.getElementById("use-here");
const statusLine = document.getElementById("here-status");
const latitude = document.getElementById("id_latitude");
const longitude = document.getElementById("id_longitude");

function say(text) {
  statusLine.textContent = text;
}

async function showGrid(lat, lon) {
  const query = new URLSearchParams({lat, lon, crs: "wgs84"});
  const response = await fetch(`${config.locate}?${query}`, {credentials: "same-origin"});
  if (!response.ok) {
    throw new Error(`locate answered ${response.status}`);
  }
  const {chain} = await response.json();
  if (chain.length) {
    say(words.inGrid.replace("%(chain)s", chain.map((node) => node.name).join(" › ")));
  } else {
    say(words.noGrid);
  }
  statusLine.dataset.state = "located";
}

function located(position) {
  const lat = position.coords.latitude.toFixed(6);
  const lon = position.coords.longitude.toFixed(6);
  latitude.value = lat;
  longitude.value = lon;
  showGrid(lat, lon).catch((error) => {
    say(`${lat}, ${lon}`);
    statusLine.dataset.state = "located";
    console.error(error);
  });
}

if (navigator.geolocation) {
  shell.classList.remove("d-none");
  button.addEventListener("click", () => {
    say(words.locating);
    navigator.geolocation.getCurrentPosition(located, () => {
      latitude.value = "";
      longitude.value = "";
      say(words.noLocation);
    }, {enableHighAccuracy: true, timeout: 15000});
  });
}
