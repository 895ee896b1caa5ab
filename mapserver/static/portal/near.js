// "Near me": asks for the position only when the button is pressed, then opens /near?lat=…&lon=…
// (the same page the form without JavaScript opens with typed coordinates).
"use strict";
const button = document.getElementById("near-me");
const status = document.getElementById("near-status");
if (button && "geolocation" in navigator) {
  button.hidden = false;
  button.addEventListener("click", () => {
    status.textContent = "Đang xác định vị trí… / Finding your position…";
    navigator.geolocation.getCurrentPosition(
      (position) => {
        const params = new URLSearchParams({
          lat: position.coords.latitude.toFixed(5),
          lon: position.coords.longitude.toFixed(5),
        });
        window.location.assign("/near?" + params.toString());
      },
      () => {
        status.textContent = "Không lấy được vị trí; hãy nhập tọa độ. / Position unavailable; type coordinates.";
      },
      { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 },
    );
  });
}
