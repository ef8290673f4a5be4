package github

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	gh "github.com/google/go-github/v62/github"

	"github.com/writ-dev/writ/schemas"
)

// Member is one member of a team.
type Member struct {
	Login string
	ID    int64
}

var teamRef = regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9-]*)/([A-Za-z0-9_.-]+)$`)

// ParseTeam splits "org/team-slug".
func ParseTeam(team string) (org, slug string, err error) {
	m := teamRef.FindStringSubmatch(team)
	if m == nil {
		return "", "", fmt.Errorf("%w: team %q: want org/team-slug", ErrConfig, team)
	}
	return m[1], m[2], nil
}

// TeamMembers lists every member of a team (GET
// /orgs/{org}/teams/{team_slug}/members, all pages; members of child teams
// included, as GitHub lists them), sorted by login. The token needs
// read:org (or an app's members:read). Calls: one per page of 100.
func (c *Client) TeamMembers(ctx context.Context, org, slug string) ([]Member, error) {
	users, err := paginate(fmt.Sprintf("list members of team %s/%s", org, slug), func(o gh.ListOptions) ([]*gh.User, *gh.Response, error) {
		return c.gh.Teams.ListTeamMembersBySlug(ctx, org, slug, &gh.TeamListTeamMembersOptions{ListOptions: o})
	})
	if err != nil {
		return nil, err
	}
	out := make([]Member, 0, len(users))
	for _, u := range users {
		out = append(out, Member{Login: u.GetLogin(), ID: u.GetID()})
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Login) < strings.ToLower(out[j].Login) })
	return out, nil
}

// Teams resolves several "org/slug" teams, once each: the logins of each
// team's members. Calls: TeamMembers' per distinct team.
func (c *Client) Teams(ctx context.Context, teams []string) (map[string][]string, error) {
	out := map[string][]string{}
	for _, t := range teams {
		if _, done := out[t]; done {
			continue
		}
		org, slug, err := ParseTeam(t)
		if err != nil {
			return nil, err
		}
		members, err := c.TeamMembers(ctx, org, slug)
		if err != nil {
			return nil, err
		}
		logins := make([]string, len(members))
		for i, m := range members {
			logins[i] = m.Login
		}
		out[t] = logins
	}
	return out, nil
}

// WithTeamRoles returns a copy of identities in which every identity whose
// GitHub login (loginOf: identity name → login) is a member of a team that
// a role lists (roleTeams: role → ["org/slug", ...]; members: "org/slug" →
// logins, from Teams) also holds that role. Roles already held stay; added
// roles are appended in sorted order, once. Logins compare
// case-insensitively. It is pure and leaves its arguments unchanged.
func WithTeamRoles(identities []schemas.Identity, loginOf map[string]string, roleTeams map[string][]string, members map[string][]string) []schemas.Identity {
	out := make([]schemas.Identity, len(identities))
	for i, id := range identities {
		id.Roles = append([]string(nil), id.Roles...)
		out[i] = id
	}
	teamRoles(identities, func(id schemas.Identity) string { return loginOf[id.Name] }, roleTeams, members,
		func(i int, role, _ string) { out[i].Roles = append(out[i].Roles, role) })
	return out
}

// teamRoles calls grant, role by role (sorted) and identity by identity,
// for each identity whose login (loginOf; "" for none) is a member of a
// team roleTeams lists for a role the identity does not hold, naming the
// first such team in sorted order. Logins compare case-insensitively.
func teamRoles(identities []schemas.Identity, loginOf func(schemas.Identity) string, roleTeams, members map[string][]string, grant func(i int, role, team string)) {
	inTeam := map[string]map[string]bool{} // team -> lower login -> member
	for team, logins := range members {
		set := map[string]bool{}
		for _, l := range logins {
			set[strings.ToLower(l)] = true
		}
		inTeam[team] = set
	}
	roles := make([]string, 0, len(roleTeams))
	for role := range roleTeams {
		roles = append(roles, role)
	}
	sort.Strings(roles)
	for _, role := range roles {
		teams := append([]string(nil), roleTeams[role]...)
		sort.Strings(teams)
		for i, id := range identities {
			login := strings.ToLower(loginOf(id))
			if login == "" || id.HasRole(role) {
				continue
			}
			for _, team := range teams {
				if inTeam[team][login] {
					grant(i, role, team)
					break
				}
			}
		}
	}
}
