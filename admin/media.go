package admin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"masthead"
	"masthead/http/web"
)

// Uploader is the media library's use cases (package media's Library):
// an upload becomes stored variants and a row; a deletion removes both.
type Uploader interface {
	Upload(ctx context.Context, data []byte, by int64) (*masthead.ImageAsset, error)
	Delete(ctx context.Context, id int64) error
}

// uploadFormSlack is room for the other fields of a form that carries an
// image: the editor's whole article, percent-encoding included.
const uploadFormSlack = formLimit

// mediaEnabled reports whether the library is wired in.
func (h *Handler) mediaEnabled() bool { return h.deps.Images != nil && h.deps.Uploads != nil }

// mayDeleteImage: editors and admins delete any unused image, authors
// their own uploads.
func mayDeleteImage(me *masthead.Member, a *masthead.ImageAsset) bool {
	return me.Role.CanPublish() || (a.UploadedBy != 0 && a.UploadedBy == me.ID)
}

// libraryItem is an image as the library grid and the editor show it.
type libraryItem struct {
	ID       int64
	EditURL  string
	Thumb    string // the narrowest WebP
	URL      string // full width, fallback format
	Alt      string
	Size     string // "1600 × 900"
	Uploader string
	When     string
	Markdown string // what inserting it writes
}

func (h *Handler) libraryItem(a *masthead.ImageAsset) libraryItem {
	return libraryItem{
		ID: a.ID, EditURL: mediaURL(a.ID), Thumb: masthead.MediaPrefix + a.Ref.Variants()[0].WebP, URL: a.URL(), Alt: a.Alt,
		Size: fmt.Sprintf("%d × %d", a.Ref.Width, a.Ref.Height), Uploader: a.UploaderName, When: h.formatTime(a.CreatedAt),
		Markdown: imageMarkdown(a.Alt, a.URL()),
	}
}

func mediaURL(id int64) string { return "/admin/media/" + strconv.FormatInt(id, 10) }

// imageMarkdown is the Markdown that shows an image; brackets in the alt
// text are escaped so they cannot end it early.
func imageMarkdown(alt, url string) string {
	alt = strings.NewReplacer(`\`, `\\`, `[`, `\[`, `]`, `\]`, "\n", " ").Replace(alt)
	return "![" + alt + "](" + url + ")"
}

// appendImage adds an image as a paragraph of its own at the end of body.
func appendImage(body, markdown string) string {
	body = strings.TrimRight(body, " \t\r\n")
	if body == "" {
		return markdown + "\n"
	}
	return body + "\n\n" + markdown + "\n"
}

// mediaForm is what staff type about an image.
type mediaForm struct {
	Alt, Caption, Credit string
}

func (h *Handler) mediaList(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	return h.renderMediaList(w, r, me, mediaForm{}, nil, http.StatusOK)
}

// mediaPageSize is how many images the library page shows at once.
const mediaPageSize = 48

func (h *Handler) renderMediaList(w http.ResponseWriter, r *http.Request, me *masthead.Member, form mediaForm, errs map[string]string, status int) error {
	if !h.mediaEnabled() {
		return masthead.Errorf(masthead.ENOTFOUND, "The media library is not set up on this site.")
	}
	pageNum, _ := strconv.Atoi(r.URL.Query().Get("page"))
	pageNum = max(pageNum, 1)
	list, err := h.deps.Images.ListImages(r.Context(), masthead.ImageFilter{Limit: mediaPageSize + 1, Offset: (pageNum - 1) * mediaPageSize})
	if err != nil {
		return fmt.Errorf("admin: media library: %w", err)
	}
	v := &mediaView{page: h.page(r, me, "Media library"), Form: form, Errors: errs, UploadAction: uploadPath,
		MaxSize: sizeText(h.cfg.MaxUploadBytes)}
	v.Section = "media"
	if len(list) > mediaPageSize {
		list = list[:mediaPageSize]
		v.NextURL = "/admin/media?page=" + strconv.Itoa(pageNum+1)
	}
	if pageNum > 1 {
		v.PrevURL = "/admin/media?page=" + strconv.Itoa(pageNum-1)
	}
	for i := range list {
		v.Images = append(v.Images, h.libraryItem(&list[i]))
	}
	if len(errs) > 0 {
		v.Message = "The image was not uploaded."
	}
	return h.render(w, status, "media", v)
}

// uploadPath is where every upload is posted, the library's form and the
// editor's button alike; the reader site lets bodies there be as large
// as an image may be.
const uploadPath = web.UploadPath

// readUpload reads the multipart form and the file in field "image". A
// problem with the file is returned as a message for the form; a body
// over the limit is an error (413).
func (h *Handler) readUpload(w http.ResponseWriter, r *http.Request) (data []byte, problem string, err error) {
	r.Body = http.MaxBytesReader(w, r.Body, h.cfg.MaxUploadBytes+uploadFormSlack)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, "", masthead.Errorf(masthead.ETOOLARGE, "The upload is larger than the %s an image may be.", sizeText(h.cfg.MaxUploadBytes))
		}
		if errors.Is(err, http.ErrNotMultipart) {
			return nil, "", &masthead.Error{Code: masthead.EINVALID, Message: "The form could not be read."}
		}
		return nil, "", fmt.Errorf("admin: upload: %w", formError(err))
	}
	f, _, err := r.FormFile("image")
	if errors.Is(err, http.ErrMissingFile) {
		return nil, "Choose an image file to upload.", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("admin: upload: %w", formError(err))
	}
	defer f.Close()
	data, err = io.ReadAll(f)
	if err != nil {
		return nil, "", fmt.Errorf("admin: upload: read file: %w", err)
	}
	return data, "", nil
}

// mediaUpload takes an image from the library page, or from the editor
// (?to=new or ?to=ID), whose whole form comes along so that it is shown
// again with the image inserted in the body.
func (h *Handler) mediaUpload(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	if !h.mediaEnabled() {
		return masthead.Errorf(masthead.ENOTFOUND, "The media library is not set up on this site.")
	}
	data, problem, err := h.readUpload(w, r)
	if err != nil {
		return err
	}
	if to := r.URL.Query().Get("to"); to != "" {
		return h.editorUpload(w, r, me, to, data, problem)
	}
	form := mediaForm{Alt: r.PostFormValue("alt"), Caption: r.PostFormValue("caption"), Credit: r.PostFormValue("credit")}
	if problem != "" {
		return h.renderMediaList(w, r, me, form, map[string]string{"image": problem}, http.StatusUnprocessableEntity)
	}
	a, err := h.upload(r.Context(), me, data, form)
	if masthead.ErrorCode(err) == masthead.EINVALID {
		errs := masthead.ErrorFields(err)
		if len(errs) == 0 {
			errs = map[string]string{"image": masthead.ErrorMessage(err)}
		}
		return h.renderMediaList(w, r, me, form, errs, http.StatusUnprocessableEntity)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, mediaURL(a.ID)+"?msg=image-uploaded", http.StatusSeeOther)
	return nil
}

// upload stores data and gives the new image the words typed with it;
// an image already in the library keeps words it has.
func (h *Handler) upload(ctx context.Context, me *masthead.Member, data []byte, form mediaForm) (*masthead.ImageAsset, error) {
	d := masthead.ImageDetails{Alt: form.Alt, Caption: form.Caption, Credit: form.Credit}
	d.Normalize()
	if err := d.Validate(); err != nil {
		return nil, err
	}
	a, err := h.deps.Uploads.Upload(ctx, data, me.ID)
	if err != nil {
		return nil, err
	}
	if a.Alt == "" && a.Caption == "" && a.Credit == "" && d != (masthead.ImageDetails{}) {
		return h.deps.Images.UpdateImage(ctx, a.ID, d)
	}
	return a, nil
}

// editorUpload uploads from the editor and inserts the image at the end
// of the body, or shows the form again with the reason beside the file
// field. Alt text is asked for first: an image is never inserted
// without it.
func (h *Handler) editorUpload(w http.ResponseWriter, r *http.Request, me *masthead.Member, to string, data []byte, problem string) error {
	var a *masthead.Article
	if to != "new" {
		r.SetPathValue("id", to)
		var err error
		if a, err = h.loadArticle(r, me); err != nil {
			return err
		}
	} else if err := mayCreate(me); err != nil {
		return err
	}
	form := readForm(r)
	mf := mediaForm{Alt: r.PostFormValue("upload_alt"), Caption: r.PostFormValue("upload_caption"), Credit: r.PostFormValue("upload_credit")}
	fail := func(msg string) error {
		form.UploadAlt, form.UploadCaption, form.UploadCredit = mf.Alt, mf.Caption, mf.Credit
		return h.renderEdit(w, r, me, a, form, editState{status: http.StatusUnprocessableEntity,
			errs: map[string]string{"upload": msg}, message: "The image was not inserted."})
	}
	if problem != "" {
		return fail(problem)
	}
	if strings.TrimSpace(mf.Alt) == "" {
		return fail("Describe the image for readers who cannot see it (alt text), then upload it again.")
	}
	img, err := h.upload(r.Context(), me, data, mf)
	if masthead.ErrorCode(err) == masthead.EINVALID {
		return fail(masthead.ErrorMessage(err))
	}
	if err != nil {
		return err
	}
	alt := strings.TrimSpace(mf.Alt)
	form.Body = appendImage(form.Body, imageMarkdown(alt, img.URL()))
	return h.renderEdit(w, r, me, a, form, editState{status: http.StatusOK,
		notice: "Image uploaded and inserted at the end of the body. Save to keep it."})
}

// loadImage finds the image named in the path.
func (h *Handler) loadImage(r *http.Request) (*masthead.ImageAsset, error) {
	if !h.mediaEnabled() {
		return nil, masthead.Errorf(masthead.ENOTFOUND, "The media library is not set up on this site.")
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, masthead.Errorf(masthead.ENOTFOUND, "There is no such image.")
	}
	a, err := h.deps.Images.ImageByID(r.Context(), id)
	if err != nil {
		return nil, fmt.Errorf("admin: image %d: %w", id, err)
	}
	return a, nil
}

func (h *Handler) mediaEdit(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	a, err := h.loadImage(r)
	if err != nil {
		return err
	}
	return h.renderMediaImage(w, r, me, a, mediaForm{Alt: a.Alt, Caption: a.Caption, Credit: a.Credit}, nil, "", http.StatusOK)
}

func (h *Handler) renderMediaImage(w http.ResponseWriter, r *http.Request, me *masthead.Member, a *masthead.ImageAsset, form mediaForm, errs map[string]string, message string, status int) error {
	v := &mediaImageView{page: h.page(r, me, "Image"), Item: h.libraryItem(a), Form: form, Errors: errs, Message: message,
		Format: strings.ToUpper(a.Format), Bytes: sizeText(a.Bytes), Uses: a.Uses,
		CanDelete: mayDeleteImage(me, a) && a.Uses == 0, Srcset: a.Ref.Srcset(true)}
	v.Section = "media"
	for _, vr := range a.Ref.Variants() {
		v.Variants = append(v.Variants, variantLink{Width: vr.Width,
			WebP: masthead.MediaPrefix + vr.WebP, Fallback: masthead.MediaPrefix + vr.Fallback, Ext: strings.ToUpper(a.Ref.Ext)})
	}
	if len(errs) > 0 && message == "" {
		v.Message = "The changes were not saved."
	}
	return h.render(w, status, "media_image", v)
}

func (h *Handler) mediaUpdate(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	a, err := h.loadImage(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r, 64<<10); err != nil {
		return err
	}
	form := mediaForm{Alt: r.PostFormValue("alt"), Caption: r.PostFormValue("caption"), Credit: r.PostFormValue("credit")}
	_, err = h.deps.Images.UpdateImage(r.Context(), a.ID, masthead.ImageDetails{Alt: form.Alt, Caption: form.Caption, Credit: form.Credit})
	if masthead.ErrorCode(err) == masthead.EINVALID {
		return h.renderMediaImage(w, r, me, a, form, masthead.ErrorFields(err), "", http.StatusUnprocessableEntity)
	}
	if err != nil {
		return fmt.Errorf("admin: save image %d: %w", a.ID, err)
	}
	http.Redirect(w, r, mediaURL(a.ID)+"?msg=image-saved", http.StatusSeeOther)
	return nil
}

func (h *Handler) mediaDelete(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	a, err := h.loadImage(r)
	if err != nil {
		return err
	}
	if !mayDeleteImage(me, a) {
		return masthead.Errorf(masthead.EFORBIDDEN, "Only editors delete images that others uploaded.")
	}
	err = h.deps.Uploads.Delete(r.Context(), a.ID)
	if masthead.ErrorCode(err) == masthead.ECONFLICT {
		return h.renderMediaImage(w, r, me, a, mediaForm{Alt: a.Alt, Caption: a.Caption, Credit: a.Credit}, nil,
			masthead.ErrorMessage(err), http.StatusConflict)
	}
	if err != nil {
		return fmt.Errorf("admin: delete image %d: %w", a.ID, err)
	}
	http.Redirect(w, r, "/admin/media?msg=image-deleted", http.StatusSeeOther)
	return nil
}

// editorImageAction handles the editor's library buttons: "insert-image:ID"
// appends the image to the body, "feature-image:ID" makes it the
// featured image, "remove-featured" clears that. Nothing is saved; the
// form comes back changed. ok is false for any other action.
func (h *Handler) editorImageAction(w http.ResponseWriter, r *http.Request, me *masthead.Member, a *masthead.Article, form articleForm, action string) (ok bool, err error) {
	if action == "remove-featured" {
		form.ImageID, form.ImageURL, form.ImageAlt, form.ImageCaption = "", "", "", ""
		return true, h.renderEdit(w, r, me, a, form, editState{status: http.StatusOK, notice: "Featured image removed. Save to keep the change."})
	}
	verb, idText, found := strings.Cut(action, ":")
	if !found || (verb != "insert-image" && verb != "feature-image") || !h.mediaEnabled() {
		return false, nil
	}
	id, _ := strconv.ParseInt(idText, 10, 64)
	img, err := h.deps.Images.ImageByID(r.Context(), id)
	if masthead.ErrorCode(err) == masthead.ENOTFOUND {
		return true, h.renderEdit(w, r, me, a, form, editState{status: http.StatusUnprocessableEntity,
			errs: map[string]string{"library": "That image is no longer in the media library."}})
	}
	if err != nil {
		return true, fmt.Errorf("admin: image %d: %w", id, err)
	}
	if img.Alt == "" {
		return true, h.renderEdit(w, r, me, a, form, editState{status: http.StatusUnprocessableEntity,
			errs: map[string]string{"library": "Give the image alt text in the media library before using it."}})
	}
	notice := "Image inserted at the end of the body. Save to keep it."
	if verb == "insert-image" {
		form.Body = appendImage(form.Body, imageMarkdown(img.Alt, img.URL()))
	} else {
		form.ImageID, form.ImageURL = strconv.FormatInt(img.ID, 10), img.URL()
		form.ImageAlt, form.ImageCaption = img.Alt, img.CaptionLine()
		notice = "Featured image chosen. Save to keep it."
	}
	return true, h.renderEdit(w, r, me, a, form, editState{status: http.StatusOK, notice: notice})
}

// recentImages are the newest images for the editor's library strip.
func (h *Handler) recentImages(ctx context.Context) ([]libraryItem, error) {
	if !h.mediaEnabled() {
		return nil, nil
	}
	list, err := h.deps.Images.ListImages(ctx, masthead.ImageFilter{Limit: 12})
	if err != nil {
		return nil, fmt.Errorf("admin: recent images: %w", err)
	}
	out := make([]libraryItem, len(list))
	for i := range list {
		out[i] = h.libraryItem(&list[i])
	}
	return out, nil
}

// sizeText writes a byte count as staff read it.
func sizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MB"
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatInt(n>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
