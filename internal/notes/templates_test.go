package notes_test

import (
	"strings"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/notes"
	"rapport/internal/store/storetest"
)

// TestEveryCoachHasTheBuiltInTemplates: a free note and GROW, first,
// before the coach's own by name.
func TestEveryCoachHasTheBuiltInTemplates(t *testing.T) {
	w := mustWorld(t)
	for _, name := range []string{"Weekly", "Check-in"} {
		if _, err := w.svc.CreateTemplate(storetest.As(w.coach), notes.TemplateDraft{Name: name, Body: "## " + name}); err != nil {
			t.Fatal(err)
		}
	}
	list, err := w.svc.Templates(storetest.As(w.coach))
	if err != nil || len(list) != 4 {
		t.Fatalf("templates: %+v %v", list, err)
	}
	if list[0].Key() != "free" || list[0].Body != "" || list[1].Key() != "grow" || list[2].Name != "Check-in" || list[3].Name != "Weekly" {
		t.Errorf("templates in the order %q %q %q %q", list[0].Name, list[1].Name, list[2].Name, list[3].Name)
	}
	for _, heading := range []string{"## Goal", "## Reality", "## Options", "## Way forward"} {
		if !strings.Contains(list[1].Body, heading) {
			t.Errorf("GROW lacks %q", heading)
		}
	}
	grow, err := w.svc.TemplateByKey(storetest.As(w.coach), "grow")
	if err != nil || grow.Body != list[1].Body {
		t.Errorf("GROW by its key: %+v %v", grow, err)
	}
	own, err := w.svc.TemplateByKey(storetest.As(w.coach), list[2].Key())
	if err != nil || own.Name != "Check-in" {
		t.Errorf("the coach's own by its key: %+v %v", own, err)
	}
	if _, err := w.svc.TemplateByKey(storetest.As(w.otherCoach), list[2].Key()); app.ErrorCode(err) != app.ENOTFOUND {
		t.Errorf("another coach's template by its key: %v", err)
	}
	if _, err := w.svc.TemplateByKey(storetest.As(w.coach), "nope"); app.ErrorCode(err) != app.ENOTFOUND {
		t.Errorf("an unknown key: %v", err)
	}
	if others, _ := w.svc.Templates(storetest.As(w.otherCoach)); len(others) != 2 {
		t.Errorf("another coach sees %d templates, want the two built in", len(others))
	}
}

// TestTheCoachKeepsTheirTemplates: create, edit (a note written from it
// keeps its text), delete; a name twice is the name's fault.
func TestTheCoachKeepsTheirTemplates(t *testing.T) {
	w := mustWorld(t)
	ctx := storetest.As(w.coach)
	tpl, err := w.svc.CreateTemplate(ctx, notes.TemplateDraft{Name: "  Intake  ", Body: "- history"})
	if err != nil || tpl.Name != "Intake" || tpl.ID == 0 || tpl.CoachID != w.coach.ID {
		t.Fatalf("created %+v %v", tpl, err)
	}
	n := w.mustWrite(t, w.coach, w.client, notes.Draft{Body: tpl.Body})
	if _, err := w.svc.CreateTemplate(ctx, notes.TemplateDraft{Name: "Intake", Body: "again"}); app.ErrorFields(err)["name"] != "is the name of another of your templates" {
		t.Errorf("a name twice: %v", err)
	}
	if _, err := w.svc.CreateTemplate(storetest.As(w.otherCoach), notes.TemplateDraft{Name: "Intake", Body: "theirs"}); err != nil {
		t.Errorf("another coach may use the same name: %v", err)
	}
	w.clock.Advance(time.Minute)
	body := "- history\n- hopes"
	got, err := w.svc.UpdateTemplate(ctx, tpl.ID, notes.TemplateChange{Body: &body})
	if err != nil || got.Body != body || got.Name != "Intake" || !got.UpdatedAt.Equal(now.Add(time.Minute)) {
		t.Fatalf("edited %+v %v", got, err)
	}
	if kept, _ := w.db.NoteByID(ctx, n.ID); kept.Body != "- history" {
		t.Errorf("a note started from the template became %q", kept.Body)
	}
	if err := w.svc.DeleteTemplate(ctx, tpl.ID); err != nil {
		t.Fatal(err)
	}
	if list, _ := w.svc.Templates(ctx); len(list) != 2 {
		t.Errorf("after the delete: %d templates", len(list))
	}
}

// TestTemplatesAreTheCoachsOwn: another coach's template is not found;
// clients and admins have none.
func TestTemplatesAreTheCoachsOwn(t *testing.T) {
	w := mustWorld(t)
	tpl, err := w.svc.CreateTemplate(storetest.As(w.coach), notes.TemplateDraft{Name: "Mine", Body: "x"})
	if err != nil {
		t.Fatal(err)
	}
	name := "Stolen"
	if _, err := w.svc.UpdateTemplate(storetest.As(w.otherCoach), tpl.ID, notes.TemplateChange{Name: &name}); app.ErrorCode(err) != app.ENOTFOUND {
		t.Errorf("another coach's edit: %v", err)
	}
	if err := w.svc.DeleteTemplate(storetest.As(w.otherCoach), tpl.ID); app.ErrorCode(err) != app.ENOTFOUND {
		t.Errorf("another coach's delete: %v", err)
	}
	for _, u := range []*coaching.User{w.client, w.admin} {
		if _, err := w.svc.Templates(storetest.As(u)); app.ErrorCode(err) != app.EFORBIDDEN {
			t.Errorf("%s lists templates: %v", u.Email, err)
		}
		if _, err := w.svc.CreateTemplate(storetest.As(u), notes.TemplateDraft{Name: "x", Body: "y"}); app.ErrorCode(err) != app.EFORBIDDEN {
			t.Errorf("%s creates a template: %v", u.Email, err)
		}
	}
	for _, tc := range []struct {
		who  *coaching.User
		id   int64
		want string
	}{{w.coach, 0, ""}, {w.coach, tpl.ID, ""}, {w.otherCoach, 0, ""}, {w.otherCoach, tpl.ID, app.ENOTFOUND},
		{w.client, 0, app.EFORBIDDEN}, {w.admin, tpl.ID, app.EFORBIDDEN}, {nil, 0, app.EUNAUTHORIZED}} {
		if err := w.svc.CheckTemplate(storetest.As(tc.who), tc.id); app.ErrorCode(err) != tc.want {
			t.Errorf("check template %d as %v: %v, want %q", tc.id, tc.who, err, tc.want)
		}
	}
	if _, err := w.svc.Templates(storetest.As(nil)); app.ErrorCode(err) != app.EUNAUTHORIZED {
		t.Errorf("nobody lists templates: %v", err)
	}
}

// TestBadTemplatesAreRefused: each names its field; nothing is stored.
func TestBadTemplatesAreRefused(t *testing.T) {
	w := mustWorld(t)
	for _, tc := range []struct {
		name  string
		d     notes.TemplateDraft
		field string
	}{
		{"NoName", notes.TemplateDraft{Body: "x"}, "name"},
		{"NameOfTwoLines", notes.TemplateDraft{Name: "a\nb", Body: "x"}, "name"},
		{"LongName", notes.TemplateDraft{Name: strings.Repeat("n", notes.MaxName+1), Body: "x"}, "name"},
		{"NoBody", notes.TemplateDraft{Name: "x"}, "body"},
		{"Script", notes.TemplateDraft{Name: "x", Body: "<script>alert(1)</script>"}, "body"},
		{"TooLong", notes.TemplateDraft{Name: "x", Body: strings.Repeat("b", notes.MaxBody+1)}, "body"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := w.svc.CreateTemplate(storetest.As(w.coach), tc.d); app.ErrorFields(err)[tc.field] == "" {
				t.Errorf("got %v, want %s named", err, tc.field)
			}
		})
	}
	if list, _ := w.svc.Templates(storetest.As(w.coach)); len(list) != 2 {
		t.Errorf("refused templates were stored: %d", len(list))
	}
}
