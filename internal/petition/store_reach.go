package petition

// ActionsOf is an SQL subquery selecting the ids of the petitions of the
// campaigns the subquery campaigns selects: whose signers the organizers
// of those campaigns reach through the people API.
func ActionsOf(campaigns string) string {
	return "SELECT id FROM petitions WHERE campaign_id IN (" + campaigns + ")"
}
