#!/usr/bin/env node
/**
 * Generates the common-password list of migration 0013 (NIST SP 800-63B §5.1.1.2: refuse passwords
 * "known to be commonly-used, expected, or compromised"). Built from the patterns that dominate every
 * published breach list — popular words and names with digit/year/symbol suffixes, doubled words,
 * keyboard walks, digit runs and repeated characters — rather than downloaded. Only entries of 12 to
 * 128 characters are kept: shorter ones already fail the length rule. Lower-case, because the check
 * compares the lower-cased NFC password.
 *
 * Usage: node scripts/common-passwords.mjs > /tmp/list.sql   (prints the INSERT statements)
 */

const words = `password passw0rd p@ssword p@ssw0rd pa55word qwerty iloveyou letmein welcome admin administrator
dragon monkey football baseball basketball soccer hockey sunshine princess superman batman spiderman
starwars pokemon master shadow michael jennifer jordan michelle charlie thomas jessica daniel ashley
andrew joshua matthew robert computer internet samsung google facebook whatever trustno1 freedom secret
summer winter spring autumn flower cookie chocolate butterfly liverpool chelsea arsenal manchester
london america canada poland polska haslo mustang harley ranger buster tigger pepper ginger hunter
killer hello helloworld loveme lovely angel babygirl jesus blessed family forever friends changeme
default guest login access money mother father orange banana apple maggie lovers purple silver golden
diamond cheese pizza coffee matrix ninja wizard phoenix rainbow snoopy scooter yankees cowboys eagles
warrior thunder lakers gateway natasha nicole hannah sophie bailey buddy lucky love sexy hottie
charlotte elizabeth victoria alexander christopher william anthony jonathan benjamin nicholas
qwertyuiop asdfghjkl zxcvbnm abcdef abcdefg abcdefgh abc123 security welcome1 iloveu master1
starwars1 dragon1 monkey1 letmein1 football1 princess1 superstar rockstar champion london1 paris
berlin madrid warszawa krakow newyork chicago california texas florida japan china india brazil
microsoft apple123 windows linux ubuntu oracle cisco netflix amazon twitter instagram youtube
minecraft fortnite roblox playstation xbox nintendo mario zelda pikachu naruto goku batman1
happiness beautiful sweetheart darling honey sugar angel1 baby123 teamo iloveyou1 loveyou
kissme fuckyou fuckoff asshole bitch shit jesus1 godisgood blessing heaven christ
liverpool1 barcelona realmadrid juventus bayern milan chelsea1 arsenal1 united city
tigers lions bears wolves falcons ravens packers steelers patriots giants dodgers redsox
jordan23 kobe24 lebron23 messi10 ronaldo7 neymar11 beckham7
spring2024 summer2024 winter2024 autumn2024 january february march april may june july august
september october november december monday tuesday wednesday thursday friday saturday sunday
student teacher doctor nurse school college university office company business manager
service support helpdesk system server network backup database oracle sqlserver mysql
qwerty123 qwe123 asd123 zxc123 aaa111 abc12345 test test123 testing tester demo sample example
user username userpass letmein123 opensesame openup unlock passpass passcode pincode`
  .split(/\s+/)
  .filter(Boolean);

const suffixes = [
  "",
  "1",
  "12",
  "123",
  "1234",
  "12345",
  "123456",
  "1234567",
  "12345678",
  "123456789",
  "!",
  "1!",
  "12!",
  "123!",
  "1234!",
  "@123",
  "#1",
  "01",
  "007",
  "69",
  "123123",
  "!@#",
  ...Array.from({ length: 17 }, (_, i) => String(2010 + i)),
  ...Array.from({ length: 6 }, (_, i) => `${2021 + i}!`),
];

const walks = [
  "qwertyuiop",
  "qwertyuiop123",
  "qwertyuiopasdfghjkl",
  "asdfghjklqwerty",
  "asdfghjkl123",
  "asdfghjkl1234",
  "zxcvbnm123456",
  "zxcvbnmasdfghjkl",
  "1qaz2wsx3edc",
  "1qaz2wsx3edc4rfv",
  "qazwsxedcrfv",
  "qazwsxedcrfvtgb",
  "!qaz@wsx#edc",
  "!qaz2wsx#edc",
  "1q2w3e4r5t6y",
  "1q2w3e4r5t6y7u8i",
  "q1w2e3r4t5y6",
  "q1w2e3r4t5y6u7i8",
  "zaq12wsxcde3",
  "zaq1xsw2cde3",
  "qwerasdfzxcv",
  "asdfqwerzxcv",
  "qweasdzxc123",
  "qweasdzxc1234",
  "1234qwerasdf",
  "1234qwerasdfzxcv",
  "qwer1234asdf",
  "poiuytrewq123",
  "mnbvcxzlkjhg",
  "abcdefghijkl",
  "abcdefghijklm",
  "abcdefghijklmnop",
  "abcdefghijklmnopqrstuvwxyz",
  "abcd1234abcd",
  "abc123abc123",
  "a1b2c3d4e5f6",
  "aa11bb22cc33",
];

const set = new Set();
const add = (candidate) => {
  const value = candidate.normalize("NFC").toLowerCase();
  const length = [...value].length;
  if (length >= 12 && length <= 128) set.add(value);
};

for (const word of words) {
  for (const suffix of suffixes) add(word + suffix);
  add(word + word);
  add(`${word}${word}1`);
  add(`${word}${word}123`);
  add(`my${word}`);
  add(`my${word}123`);
  add(`ilove${word}`);
  add(`ilove${word}123`);
  add(`${word}password`);
  add(`password${word}`);
  add(`the${word}`);
  add(`${word}forever`);
}
for (const walk of walks) {
  for (const suffix of ["", "1", "12", "123", "!", "1!"]) add(walk + suffix);
}
const digits = "12345678901234567890";
for (let length = 12; length <= 20; length++) {
  add(digits.slice(0, length));
  add("09876543210987654321".slice(0, length));
  add("98765432109876543210".slice(0, length));
  for (let d = 0; d <= 9; d++) add(String(d).repeat(length));
  for (const c of "abcdefghijklmnopqrstuvwxyz!") add(c.repeat(length));
}
for (const unit of [
  "12",
  "123",
  "1234",
  "12345",
  "123456",
  "abc",
  "abcd",
  "qwe",
  "qwer",
  "asd",
  "xyz",
  "112233",
  "1122",
  "01",
  "10",
  "69",
  "007",
  "321",
  "159",
  "147",
  "258",
  "369",
  "789",
]) {
  add(unit.repeat(Math.ceil(12 / unit.length)));
  add(unit.repeat(Math.ceil(16 / unit.length)));
}
for (const phrase of [
  "letmeinplease",
  "iloveyouforever",
  "iloveyousomuch",
  "iloveyoubaby",
  "thisismypassword",
  "mypasswordis",
  "changemeplease",
  "welcometothejungle",
  "correcthorsebatterystaple",
  "thequickbrownfox",
  "thequickbrownfoxjumpsoverthelazydog",
  "maytheforcebewithyou",
  "hellohellohello",
  "passwordpassword",
  "nopasswordhere",
  "dontforgetme",
  "youllneverwalkalone",
  "godisgoodallthetime",
  "jesuslovesme",
  "jesusismysavior",
  "iamthebest",
  "iamthegreatest",
  "iloveyoumom",
  "iloveyoudad",
  "trustnoone123",
  "blink182blink182",
  "administrator1",
  "superadministrator",
]) {
  for (const suffix of ["", "1", "123", "!"]) add(phrase + suffix);
}

const list = [...set].sort();
process.stderr.write(`${list.length} entries\n`);
const quote = (text) => `'${text.replaceAll("'", "''")}'`;
for (let i = 0; i < list.length; i += 500) {
  const rows = list.slice(i, i + 500).map((p) => `(${quote(p)})`);
  process.stdout.write(`INSERT OR IGNORE INTO \`common_passwords\` (\`password\`) VALUES ${rows.join(", ")};\n`);
  if (i + 500 < list.length) process.stdout.write("--> statement-breakpoint\n");
}
