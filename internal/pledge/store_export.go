package pledge

import "repertoire/internal/participation"

// A person's data export names the pledges they committed to.
func init() {
	participation.ExportTitle(participation.Commitment, `SELECT title FROM pledges WHERE id = $1`)
}
