// The web-form and Specter templates written twice more, for comparison: as
// JSONata expressions and as plain JavaScript. They do what the templates do
// except what neither can do without a library: phone numbers get a naive
// French rewrite (no libphonenumber validation, no overseas regions) and e-mails
// a lowercase + shape check. So they do less work than the Rust engine.
import jsonata from "jsonata";

const pickKeys = {
  email: ["email", "e-mail", "mail", "email_address", "emailAddress", "courriel", "your-email"],
  phone: ["phone", "tel", "telephone", "mobile", "portable", "phone_number", "phoneNumber", "your-phone"],
  first: ["first_name", "firstName", "firstname", "prenom", "given_name"],
  last: ["last_name", "lastName", "lastname", "nom", "family_name", "surname"],
  full: ["name", "full_name", "fullName", "fullname", "your-name", "nom_complet"],
  company: ["company", "company_name", "companyName", "societe", "organization"],
};

export const webFormJsonata = jsonata(`(
  $p := $;
  $pick := function($keys) { $filter($keys.($lookup($p, $)), function($v) { $v != null and $trim($string($v)) != "" })[0] };
  $title := function($s) { $join($map($split($s, " "), function($w) { $join($map($split($w, "-"), function($x) { $uppercase($substring($x, 0, 1)) & $lowercase($substring($x, 1)) }), "-") }), " ") };
  $squash := function($s) { $join($filter($split($trim($s), " "), function($w) { $w != "" }), " ") };
  $full := $pick(${JSON.stringify(pickKeys.full)});
  $words := $full ? $split($squash($full), " ") : [];
  $emailRaw := $pick(${JSON.stringify(pickKeys.email)});
  $email := $emailRaw ? $lowercase($trim($emailRaw)) : undefined;
  $phoneRaw := $pick(${JSON.stringify(pickKeys.phone)});
  $digits := $phoneRaw ? $replace($phoneRaw, /[^0-9+]/, "") : undefined;
  $phone := $digits ? ($substring($digits, 0, 1) = "0" ? "+33" & $substring($digits, 1) : $digits) : undefined;
  $first := $pick(${JSON.stringify(pickKeys.first)});
  $last := $pick(${JSON.stringify(pickKeys.last)});
  {
    "email": $contains($email, /^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$/) ? $email : undefined,
    "phone": $phone,
    "firstName": $first ? $title($squash($first)) : ($count($words) > 0 ? $title($words[0]) : undefined),
    "lastName": $last ? $title($squash($last)) : ($count($words) > 1 ? $title($join($words[[1..100]], " ")) : undefined),
    "companyName": $pick(${JSON.stringify(pickKeys.company)}),
    "source": "Web form",
    "customFields": $filter([
      {"key": "utm_source", "field_value": $p.utm_source},
      {"key": "utm_medium", "field_value": $p.utm_medium},
      {"key": "utm_campaign", "field_value": $p.utm_campaign}
    ], function($c) { $c.field_value != null }),
    "tags": $append(["web-form"], $append(
      $p.utm_campaign ? ["campaign:" & $lowercase($trim($p.utm_campaign))] : [],
      $p.consent in ["yes", "oui", "true", "1", "on", "checked"] ? ["consent:yes"] : [])),
    "notes": $p.message ? ["Message from the web form:\\n" & $p.message] : []
  }
)`);

// Every rule of the Specter template: the e-mail's and the id's fallbacks,
// the trims, the seniority field, the optional Specter tag and the note's title.
// Every rule of the Specter template: the e-mail's and the id's fallbacks,
// the trims, the seniority field, the optional Specter tag and the note's title
// (a blank value counts as absent, as the engine reads it). Written the cheap
// way for JSONata: each name looked up directly, no $lookup over a list.
export const specterJsonata = jsonata(`(
  $present := function($v) { $v != null and $trim($string($v)) != "" };
  $emailRaw := $present(email) ? email : $present(professional_email) ? professional_email : $present(personal_email) ? personal_email;
  $email := $emailRaw ? $lowercase($trim($emailRaw));
  $words := $present(full_name) ? $split($trim(full_name), " ") : [];
  {
    "email": $contains($email, /^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$/) ? $email,
    "firstName": $present(first_name) ? $trim(first_name) : $words[0],
    "lastName": $present(last_name) ? $trim(last_name) : ($count($words) > 1 ? $join($words[[1..100]], " ")),
    "companyName": $present(current_position_company_name) ? $trim(current_position_company_name),
    "website": $present(current_position_company_website) ? $trim(current_position_company_website),
    "city": $present(location) ? $trim(location),
    "source": "Specter",
    "customFields": $filter([
      {"key": "linkedin_url", "field_value": $present(linkedin_url) ? linkedin_url},
      {"key": "job_title", "field_value": $present(current_position_title) ? $trim(current_position_title)},
      {"key": "specter_person_id", "field_value": $present(person_id) ? person_id : $present(id) ? id},
      {"key": "seniority", "field_value": $present(level_of_seniority) ? level_of_seniority}
    ], function($c) { $c.field_value != null }),
    "tags": $append($append(["specter"], $present(specter_tag) ? [$trim(specter_tag)] : []), highlights),
    "notes": $exists(highlights) ? [{"body": "Specter highlights: " & $join(highlights, ", ") & "\\n" & tagline, "title": "Specter"}] : []
  }
)`);

function pick(p, keys) {
  for (const k of keys) {
    const v = p[k];
    if (v != null && String(v).trim() !== "") return v;
  }
  return undefined;
}
const squash = (s) => s.trim().split(/\s+/).join(" ");
const title = (s) => s.split(" ").map((w) => w.split("-").map((x) => x.charAt(0).toUpperCase() + x.slice(1).toLowerCase()).join("-")).join(" ");

export function webFormPlain(p) {
  const full = pick(p, pickKeys.full);
  const words = full ? squash(String(full)).split(" ") : [];
  const emailRaw = pick(p, pickKeys.email);
  const email = emailRaw ? String(emailRaw).trim().toLowerCase() : undefined;
  const phoneRaw = pick(p, pickKeys.phone);
  const digits = phoneRaw ? String(phoneRaw).replace(/[^0-9+]/g, "") : undefined;
  const first = pick(p, pickKeys.first);
  const last = pick(p, pickKeys.last);
  const tags = ["web-form"];
  if (p.utm_campaign) tags.push(`campaign:${String(p.utm_campaign).trim().toLowerCase()}`);
  if (["yes", "oui", "true", "1", "on", "checked"].includes(p.consent)) tags.push("consent:yes");
  return {
    email: email && /^[^@\s]+@[^@\s]+\.[a-z]{2,}$/.test(email) ? email : undefined,
    phone: digits ? (digits.startsWith("0") ? `+33${digits.slice(1)}` : digits) : undefined,
    firstName: first ? title(squash(String(first))) : words[0] && title(words[0]),
    lastName: last ? title(squash(String(last))) : words.length > 1 ? title(words.slice(1).join(" ")) : undefined,
    companyName: pick(p, pickKeys.company),
    source: "Web form",
    customFields: ["utm_source", "utm_medium", "utm_campaign"].filter((k) => p[k] != null).map((k) => ({ key: k, field_value: p[k] })),
    tags,
    notes: p.message ? [`Message from the web form:\n${p.message}`] : [],
  };
}

export function specterPlain(p) {
  const present = (v) => v != null && String(v).trim() !== "";
  const trimmed = (v) => (present(v) ? String(v).trim() : undefined);
  const emailRaw = present(p.email) ? p.email : present(p.professional_email) ? p.professional_email : present(p.personal_email) ? p.personal_email : undefined;
  const email = emailRaw ? String(emailRaw).trim().toLowerCase() : undefined;
  const words = present(p.full_name) ? p.full_name.trim().split(" ") : [];
  return {
    email: email && /^[^@\s]+@[^@\s]+\.[a-z]{2,}$/.test(email) ? email : undefined,
    firstName: present(p.first_name) ? p.first_name.trim() : words[0],
    lastName: present(p.last_name) ? p.last_name.trim() : words.length > 1 ? words.slice(1).join(" ") : undefined,
    companyName: trimmed(p.current_position_company_name),
    website: trimmed(p.current_position_company_website),
    city: trimmed(p.location),
    source: "Specter",
    customFields: [
      { key: "linkedin_url", field_value: present(p.linkedin_url) ? p.linkedin_url : undefined },
      { key: "job_title", field_value: trimmed(p.current_position_title) },
      { key: "specter_person_id", field_value: present(p.person_id) ? p.person_id : present(p.id) ? p.id : undefined },
      { key: "seniority", field_value: present(p.level_of_seniority) ? p.level_of_seniority : undefined },
    ].filter((c) => c.field_value != null),
    tags: ["specter", ...(present(p.specter_tag) ? [p.specter_tag.trim()] : []), ...(p.highlights ?? [])],
    notes: p.highlights ? [{ body: `Specter highlights: ${p.highlights.join(", ")}\n${p.tagline}`, title: "Specter" }] : [],
  };
}
