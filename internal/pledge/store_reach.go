package pledge

// ActionsOf is an SQL subquery selecting the ids of the pledges of the
// campaigns the subquery campaigns selects: whose committed people the
// organizers of those campaigns reach through the people API.
func ActionsOf(campaigns string) string {
	return "SELECT id FROM pledges WHERE campaign_id IN (" + campaigns + ")"
}
