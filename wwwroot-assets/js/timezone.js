// Tells the portal the browser's time zone, so recipients' pages show times in their own zone (until then: UTC, said so).
(() => {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const name = "__Host-ConnectidMail.TimeZone";
    if (zone && !document.cookie.split("; ").includes(`${name}=${encodeURIComponent(zone)}`)) {
        document.cookie = `${name}=${encodeURIComponent(zone)}; Path=/; Secure; SameSite=Lax; Max-Age=31536000`;
    }
})();
