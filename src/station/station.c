/* station.c — the station's features registered with the core: the one place
 * that lists them (feature.h says what each hook means). */
#include "station.h"

#include "blob.h"
#include "linktest.h"
#include "watch.h"

int hl_station_register(hl_core *d)
{
	static const hl_feature *const all[] = {
		&hl_linktest_feature, &hl_blob_feature, &hl_watch_feature,
	};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
		int rc = hl_core_add_feature(d, all[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}
