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

export const specterJsonata = jsonata(`(
  $words := full_name ? $split($trim(full_name), " ") : [];
  {
    "email": email ? $lowercase($trim(email)) : undefined,
    "firstName": first_name ? $trim(first_name) : $words[0],
    "lastName": last_name ? $trim(last_name) : $join($words[[1..100]], " "),
    "companyName": current_position_company_name,
    "website": current_position_company_website,
    "city": location,
    "source": "Specter",
    "customFields": [
      {"key": "linkedin_url", "field_value": linkedin_url},
      {"key": "job_title", "field_value": current_position_title},
      {"key": "specter_person_id", "field_value": person_id}
    ],
    "tags": $append(["specter"], highlights),
    "notes": highlights ? ["Specter highlights: " & $join(highlights, ", ") & "\\n" & tagline] : []
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
  const words = p.full_name ? p.full_name.trim().split(" ") : [];
  return {
    email: p.email ? p.email.trim().toLowerCase() : undefined,
    firstName: p.first_name ? p.first_name.trim() : words[0],
    lastName: p.last_name ? p.last_name.trim() : words.slice(1).join(" "),
    companyName: p.current_position_company_name,
    website: p.current_position_company_website,
    city: p.location,
    source: "Specter",
    customFields: [
      { key: "linkedin_url", field_value: p.linkedin_url },
      { key: "job_title", field_value: p.current_position_title },
      { key: "specter_person_id", field_value: p.person_id },
    ],
    tags: ["specter", ...(p.highlights ?? [])],
    notes: p.highlights ? [`Specter highlights: ${p.highlights.join(", ")}\n${p.tagline}`] : [],
  };
}
