/*
 * config.h - the kiosk's INI configuration (read with inih).
 *
 * Every key has a default, so an empty file gives a working kiosk with its
 * store in /var/lib/ca-kiosk (paths.h); ca-kiosk without --config reads
 * /etc/ca-kiosk/kiosk.ini and refuses to start when it is missing. Unknown sections or keys and bad values are reported
 * with file:line, all of them at once, and the load fails: a kiosk must not
 * run on a setting its operator mistyped.
 *
 *   [kiosk]   id, data_dir, secret_file, maint_pin
 *   [server]  url, ca_file, pin, connect_timeout_ms, total_timeout_ms
 *   [screen]  width, height, orientation (portrait|landscape), fullscreen, font,
 *             driver (auto|kmsdrm|wayland|x11), renderer (auto|software|
 *             opengles2|opengl), rotate (0|90|180|270)
 *   [timeouts] idle_warn_s, idle_reset_s, sync_interval_s, heartbeat_s
 *   [log]     level (error|warn|info|debug)
 *   [dispenser] driver (none|sim|serial), device, baud, slots, stock,
 *             state_file, timeout_ms, retries
 *   [privacy] purge_days (orders finished longer ago leave the store),
 *             core_dumps (false: a crash writes no memory to disk)
 *
 * docs/config.md lists every key with its default and range.
 */
#ifndef CA_CONFIG_H
#define CA_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "core/log.h"

/* Room for all the messages of one failed load. */
#define CONFIG_ERR_MAX 2048
/* Maximum length of a path or URL value, in bytes. */
#define CONFIG_PATH_MAX 255

/* Most key slots a dispenser may have. */
#define CONFIG_DISP_SLOTS_MAX 8
/* Range of [timeouts] heartbeat_s, seconds (the hub takes the same). */
#define CONFIG_HEARTBEAT_MIN_S 1
#define CONFIG_HEARTBEAT_MAX_S 3600

/* Which key dispenser driver the kiosk uses (src/kiosk/device/dispenser.h). */
enum config_disp_driver {
	CONFIG_DISP_NONE,   /* no dispenser: pickup code for the counter */
	CONFIG_DISP_SIM,    /* in-process simulator with a state file */
	CONFIG_DISP_SERIAL, /* a device on a serial line */
};

enum config_orientation {
	CONFIG_PORTRAIT,  /* 1080x1920 by default */
	CONFIG_LANDSCAPE, /* 1920x1080 */
};

/* The display path ([screen] driver; docs/ui.md, Display paths). */
enum config_video {
	CONFIG_VIDEO_AUTO,    /* SDL_VIDEODRIVER if set, else wayland, x11, kmsdrm */
	CONFIG_VIDEO_KMSDRM,  /* the bare screen */
	CONFIG_VIDEO_WAYLAND, /* under a compositor (cage) */
	CONFIG_VIDEO_X11,     /* an X server */
};

/* The SDL renderer ([screen] renderer). */
enum config_renderer {
	CONFIG_RENDERER_AUTO,      /* software, else opengles2, else opengl */
	CONFIG_RENDERER_SOFTWARE,  /* the one the partial repaint is built for */
	CONFIG_RENDERER_OPENGLES2,
	CONFIG_RENDERER_OPENGL,
};

struct config {
	char kiosk_id[33];                    /* [kiosk] id: [A-Za-z0-9_-]{1,32} */
	char data_dir[CONFIG_PATH_MAX + 1];   /* [kiosk] data_dir: store, state files */
	char secret_file[CONFIG_PATH_MAX + 1]; /* [kiosk] secret_file: the device secret; "" = none (no sync) */
	char maint_pin[9];                    /* [kiosk] maint_pin: 4..8 digits; "" = maintenance mode off */
	char server_url[CONFIG_PATH_MAX + 1]; /* [server] url: https://... (http:// only for loopback) */
	char ca_file[CONFIG_PATH_MAX + 1];    /* [server] ca_file: CA bundle to verify the hub; "" = system */
	char pin[CONFIG_PATH_MAX + 1];        /* [server] pin: sha256//BASE64[;...] public-key pins; "" = none */
	int connect_timeout_ms;               /* [server] connect_timeout_ms */
	int total_timeout_ms;                 /* [server] total_timeout_ms */
	int screen_w;                         /* [screen] width, pixels */
	int screen_h;                         /* [screen] height, pixels */
	enum config_orientation orientation;  /* [screen] orientation */
	bool fullscreen;                      /* [screen] fullscreen */
	char font[CONFIG_PATH_MAX + 1];       /* [screen] font: CJK font file */
	enum config_video video;              /* [screen] driver: the display path */
	enum config_renderer renderer;        /* [screen] renderer */
	int rotate;                           /* [screen] rotate: 0, 90, 180, 270 (clockwise) */
	int idle_warn_s;                      /* [timeouts] idle_warn_s: idle time before the warning */
	int idle_reset_s;                     /* [timeouts] idle_reset_s: warning countdown before reset */
	int sync_interval_s;                  /* [timeouts] sync_interval_s: change-feed poll period */
	int heartbeat_s;                      /* [timeouts] heartbeat_s: period of the heartbeat to the hub */
	int purge_days;                       /* [privacy] purge_days: keep finished orders this long */
	bool core_dumps;                      /* [privacy] core_dumps: allow them (development only) */
	enum log_level log_level;             /* [log] level */
	enum config_disp_driver disp_driver;  /* [dispenser] driver */
	char disp_device[CONFIG_PATH_MAX + 1]; /* [dispenser] device: serial tty path */
	int disp_baud;                        /* [dispenser] baud: a standard rate */
	int disp_slots;                       /* [dispenser] slots: 1..CONFIG_DISP_SLOTS_MAX */
	int disp_stock[CONFIG_DISP_SLOTS_MAX]; /* [dispenser] stock: sim's first stock per slot */
	char disp_state_file[CONFIG_PATH_MAX + 1]; /* [dispenser] state_file: "" = data_dir/dispenser.state */
	int disp_timeout_ms;                  /* [dispenser] timeout_ms: wait for one answer */
	int disp_retries;                     /* [dispenser] retries: resends after no answer */
};

/* Fill c with the defaults of every key. */
void config_defaults(struct config *c);

/*
 * Defaults, then the file at path on top. CA_OK, or CA_ERR_CONFIG with one
 * "path:line: message" line per problem in err (size errlen), or CA_ERR_IO
 * when the file cannot be read (message names the file). On error c holds
 * the defaults overlaid with every value that was good.
 */
ca_err config_load(struct config *c, const char *path, char *err, size_t errlen);

#endif
