/*
 * paths.h - where an installed kiosk and hub find their files (FHS;
 * docs/install.md). `make install` puts the default configurations there;
 * the programs read them when no --config is given.
 */
#ifndef CA_PATHS_H
#define CA_PATHS_H

/* The kiosk's configuration file without --config. */
#define PATHS_KIOSK_CONFIG "/etc/ca-kiosk/kiosk.ini"
/* The kiosk's state ([kiosk] data_dir) when the file does not set it. */
#define PATHS_KIOSK_STATE "/var/lib/ca-kiosk"
/* The hub's configuration file without --config. */
#define PATHS_HUB_CONFIG "/etc/ca-hub/hub.ini"
/* The hub's state ([hub] data_dir, ca-hubctl --data-dir) by default. */
#define PATHS_HUB_STATE "/var/lib/ca-hub"

#endif
