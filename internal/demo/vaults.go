package demo

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"repertoire/internal/account"
	"repertoire/internal/community"
	"repertoire/internal/store"
	"repertoire/internal/vault"
)

// The demo's data vaults, through the vault's own importer: three members
// of the community, each with an account (password as the organizer's),
// who imported Facebook's "Download your information" archive (generated
// here, one in the layout of before 2022) and chose what may be shared.

// DemoMembers are the members with a vault, by address.
var DemoMembers = []string{"camille@demo.repertoire.example", "joao@demo.repertoire.example", "ines@demo.repertoire.example"}

type demoVault struct {
	email, name string
	sample      vault.Sample
	consents    map[string]vault.Consent
}

func demoVaults() []demoVault {
	at := func(month, day, hour int) time.Time {
		return time.Date(2018, time.Month(month), day, hour, 0, 0, 0, time.UTC)
	}
	return []demoVault{
		{email: DemoMembers[0], name: "Camille Lefèvre", sample: vault.Sample{Name: "Camille Lefèvre", City: "Lyon", Joined: at(2, 3, 10).AddDate(-9, 0, 0),
			Posts: []vault.SampleText{
				{Time: at(3, 20, 18), Text: "Après Cambridge Analytica : qui a accès à nos données ? #DeleteFacebook"},
				{Time: at(4, 10, 21), Text: "Zuckerberg devant le Congrès. Nos 17 revendications sont prêtes."},
				{Time: at(5, 25, 8), Text: "Déconnexion jusqu’au 1er juin. Rendez-vous le 2 !"}},
			Comments:    []vault.SampleText{{Time: at(4, 11, 9), Text: "Je signe, et je fais signer ma section.", Who: "Alex Organizer"}},
			Reactions:   []vault.SampleText{{Time: at(4, 9, 12), Text: "LIKE", Who: "Alex Organizer"}, {Time: at(5, 1, 7), Text: "LOVE", Who: "Jo Silva"}},
			Interests:   []string{"Syndicalisme", "Protection des données", "Vélo"},
			OffPlatform: []vault.SampleText{{Time: at(3, 2, 14), Text: "PAGE_VIEW", Who: "journal.example"}, {Time: at(3, 2, 14), Text: "ADD_TO_CART", Who: "boutique.example"}}},
			consents: map[string]vault.Consent{"posts": vault.Share, "reactions": vault.Share, "ads_interests": vault.Share, "off_platform_activity": vault.AskMe}},
		{email: DemoMembers[1], name: "João Silva", sample: vault.Sample{Name: "João Silva", City: "Lisboa", Joined: at(6, 1, 10).AddDate(-6, 0, 0), Old: true,
			Posts:     []vault.SampleText{{Time: at(4, 30, 20), Text: "Amanhã, 1 de maio: greve dos utilizadores do Facebook."}},
			Reactions: []vault.SampleText{{Time: at(5, 1, 9), Text: "LIKE", Who: "Camille Lefèvre"}},
			Interests: []string{"Futebol", "Privacidade"},
			OffPlatform: []vault.SampleText{{Time: at(1, 15, 11), Text: "PURCHASE", Who: "loja.example"}, {Time: at(1, 16, 11), Text: "PAGE_VIEW", Who: "loja.example"},
				{Time: at(2, 1, 20), Text: "APP_OPEN", Who: "jogos.example"}}},
			consents: map[string]vault.Consent{"ads_interests": vault.Share, "off_platform_activity": vault.Share}},
		{email: DemoMembers[2], name: "Inès Haddad", sample: vault.Sample{Name: "Inès Haddad", City: "Marseille", Joined: at(9, 9, 9).AddDate(-4, 0, 0),
			Posts:     []vault.SampleText{{Time: at(5, 2, 10), Text: "Ce que Facebook sait de moi tient dans un zip de 2 Go."}},
			Comments:  []vault.SampleText{{Time: at(5, 3, 11), Text: "Les centres d’intérêt publicitaires sont édifiants.", Who: "Camille Lefèvre"}},
			Interests: []string{"Cuisine", "Élections", "Grossesse"}},
			consents: map[string]vault.Consent{"posts": vault.AskMe}},
	}
}

func loadVaults(ctx context.Context, db *store.DB, sc *Scenario, organizerID, communityID string) error {
	vaults := vault.NewStore(db)
	im := &vault.Importer{Store: vaults, Limits: vault.DefaultLimits()}
	communities := community.NewStore(db)
	for _, v := range demoVaults() {
		id, err := account.CreateUser(ctx, db, account.NewUser{Email: v.email, Name: v.name, Password: sc.Organizer.Password})
		if err != nil {
			return fmt.Errorf("vault member: %w", err)
		}
		status, err := communities.Join(ctx, communityID, id)
		if err != nil {
			return fmt.Errorf("vault member joins: %w", err)
		}
		if status != community.StatusActive {
			if err := communities.Approve(ctx, organizerID, communityID, id); err != nil {
				return fmt.Errorf("vault member approved: %w", err)
			}
		}
		var buf bytes.Buffer
		if err := vault.WriteSample(&buf, v.sample); err != nil {
			return err
		}
		if _, err := im.Facebook(ctx, id, bytes.NewReader(buf.Bytes()), int64(buf.Len())); err != nil {
			return fmt.Errorf("vault import: %w", err)
		}
		for cat, c := range v.consents {
			if err := vaults.SetConsent(ctx, id, cat, c); err != nil {
				return fmt.Errorf("vault consent: %w", err)
			}
		}
	}
	return nil
}
