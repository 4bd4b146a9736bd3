package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// syntheticCode is the n-th synthetic personal identity code: individual
// numbers 900–999 only (DESIGN.md), 100 a day of birth from 1.1.1950 on.
func syntheticCode(n int) string {
	day := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n/100)
	num := 900 + n%100
	nine := day.Day()*10_000_000 + int(day.Month())*100_000 + (day.Year()%100)*1000 + num
	return fmt.Sprintf("%02d%02d%02d-%03d%c", day.Day(), day.Month(), day.Year()%100, num, "0123456789ABCDEFHJKLMNPRSTUVWXY"[nine%31])
}

// bigFiles writes n synthetic clients and, per client, one assessment, one
// plan and one service (3n case records), as semicolon CSV files.
func bigFiles(dir string, n int) (clients, assessments, plans, services string, err error) {
	files := map[string]*string{"clients.csv": &clients, "assessments.csv": &assessments, "plans.csv": &plans, "services.csv": &services}
	heads := map[string]string{
		"clients.csv": "source_id;personal_identity_code;first_names;last_name;residence_basis_type;residence_valid_until;first_permit_date;" +
			"service_language;email;right_to_work;jobseeker\n",
		"assessments.csv": "source_id;client_source_id;date;service_needs;specifying_measures;planned_plan_date\n",
		"plans.csv":       "source_id;client_source_id;start_date;end_date;goals;planned_review_date\n",
		"services.csv":    "source_id;client_source_id;service_type;date;provider;description\n",
	}
	for name, dst := range files {
		p := filepath.Join(dir, name)
		*dst = p
		f, err := os.Create(p)
		if err != nil {
			return "", "", "", "", err
		}
		w := bufio.NewWriterSize(f, 1<<20)
		w.WriteString(heads[name])
		for i := 0; i < n; i++ {
			switch name {
			case "clients.csv":
				fmt.Fprintf(w, "K-%d;%s;Amina Maria;Yusuf-%d;residence_permit;2099-06-30;1.3.2024;fi;amina%d@example.org;as on the permit;false\n",
					i, syntheticCode(i), i%977, i)
			case "assessments.csv":
				fmt.Fprintf(w, "A-%d;K-%d;2024-04-01;Finnish from the beginning;literacy test;1.5.2024\n", i, i)
			case "plans.csv":
				fmt.Fprintf(w, "P-%d;K-%d;2024-05-01;2025-04-30;Finnish B1, work try-out;2024-11-01\n", i, i)
			case "services.csv":
				fmt.Fprintf(w, "S-%d;K-%d;civic_orientation;2024-06-01;City;in Somali\n", i, i)
			}
		}
		if err := w.Flush(); err != nil {
			return "", "", "", "", err
		}
		if err := f.Close(); err != nil {
			return "", "", "", "", err
		}
	}
	return clients, assessments, plans, services, nil
}
