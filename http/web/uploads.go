package web

// UploadPath is where the staff area takes image uploads. The reader
// site, which mounts the staff area, lets request bodies there be as
// large as an image may be (http.Config.MaxUploadBytes) rather than its
// usual limit.
const UploadPath = "/admin/media/upload"
