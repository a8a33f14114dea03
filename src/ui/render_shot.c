/*
 * render_shot.c - screenshots of the renderer: what it holds now read back
 * and written as an 8-bit RGB PNG through a temporary file (save_png). The
 * only file of the kiosk that includes libpng. render_screenshot (render.c)
 * paints a whole frame and saves it here.
 */
#include "render_int.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

#include <png.h>

#include "common/filesave.h"

/* Write the w x h ARGB8888 pixels (pitch bytes a row) to f as an 8-bit
 * RGB PNG. libpng directly, not SDL_image: that library links the JPEG,
 * TIFF and WebP codecs too, about 0.6 MiB of the kiosk's PSS for nothing.
 * Compression level 1: screenshots are for tests and operators, and the
 * flow tests take many. */
static bool write_png(FILE *f, const uint8_t *px, int w, int h, int pitch)
{
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	uint8_t *volatile row = NULL;
	bool ok = false;
	int x, y;

	if (!png || !info)
		goto out;
	if (setjmp(png_jmpbuf(png)))
		goto out; /* libpng reported an error */
	row = malloc((size_t)w * 3);
	if (!row)
		goto out;
	png_init_io(png, f);
	png_set_compression_level(png, 1);
	png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGB,
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (y = 0; y < h; y++) {
		const uint32_t *src = (const uint32_t *)(px + (size_t)y * (size_t)pitch);

		for (x = 0; x < w; x++) {
			row[3 * x] = (uint8_t)(src[x] >> 16);
			row[3 * x + 1] = (uint8_t)(src[x] >> 8);
			row[3 * x + 2] = (uint8_t)src[x];
		}
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	ok = true;
out:
	free(row);
	png_destroy_write_struct(png ? &png : NULL, info ? &info : NULL);
	return ok;
}

ca_err save_png(struct render *r, const char *path)
{
	SDL_Surface *s;
	struct filesave fs;
	char err[FILESAVE_PATH_MAX + 128] = "the PNG could not be written";
	int w, h;
	ca_err ret;

	if (SDL_GetRenderTarget(r->ren)) {
		w = r->w; /* the canvas: the UI as painted, before the turn */
		h = r->h;
	} else if (SDL_GetRendererOutputSize(r->ren, &w, &h) != 0) {
		return CA_ERR_IO;
	}
	s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
	if (!s)
		return CA_ERR_NOMEM;
	if (SDL_RenderReadPixels(r->ren, NULL, SDL_PIXELFORMAT_ARGB8888, s->pixels, s->pitch) != 0) {
		SDL_FreeSurface(s);
		return CA_ERR_IO;
	}
	ret = filesave_open(&fs, path, 0644, err, sizeof(err));
	if (ret == CA_OK) {
		if (write_png(fs.f, s->pixels, w, h, s->pitch)) {
			ret = filesave_commit(&fs, err, sizeof(err));
		} else {
			filesave_abort(&fs);
			ret = CA_ERR_IO;
		}
	}
	if (ret != CA_OK)
		SDL_Log("screenshot %s: %s", path, err);
	SDL_FreeSurface(s);
	return ret;
}

ca_err render_save_shown(struct render *r, const char *path)
{
	return save_png(r, path);
}
