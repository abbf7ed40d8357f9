//! Invented given and family names for patients and staff.

pub(super) const GIVEN_FEMALE: [&str; 30] = [
    "Amelia", "Olivia", "Isla", "Ava", "Mia", "Grace", "Freya", "Lily", "Zara", "Aisha", "Chloe", "Hannah", "Ruth",
    "Joan", "Patricia", "Susan", "Janet", "Fatima", "Mei", "Ewa", "Niamh", "Sian", "Ayesha", "Beatrice", "Deborah",
    "Eleanor", "Harriet", "Imogen", "Jasmine", "Kavita",
];

pub(super) const GIVEN_MALE: [&str; 30] = [
    "Oliver", "George", "Noah", "Arthur", "Muhammad", "Leo", "Harry", "Oscar", "Jack", "Finley", "Raj", "Tomasz",
    "David", "Peter", "Michael", "Brian", "Kenneth", "Samuel", "Daniel", "Ibrahim", "Callum", "Rhys", "Kofi",
    "Benjamin", "Edward", "Felix", "Hugo", "Jamal", "Kieran", "Liam",
];

pub(super) const FAMILY: [&str; 40] = [
    "Abbott",
    "Ahmed",
    "Baker",
    "Banerjee",
    "Chapman",
    "Clarke",
    "Davies",
    "Dixon",
    "Evans",
    "Fletcher",
    "Gallagher",
    "Green",
    "Hussain",
    "Hughes",
    "Iqbal",
    "Jackson",
    "Kaur",
    "Kowalski",
    "Lewis",
    "Mensah",
    "Marshall",
    "Nowak",
    "Osei",
    "Patel",
    "Phillips",
    "Quinn",
    "Robinson",
    "Russo",
    "Shah",
    "Singh",
    "Taylor",
    "Turner",
    "Underwood",
    "Varga",
    "Walker",
    "Wilson",
    "Wright",
    "Xu",
    "Young",
    "Zielinski",
];

pub(super) const STAFF_GIVEN: [&str; 16] = [
    "Anita", "Bernard", "Claire", "Dominic", "Esther", "Frank", "Gemma", "Hamid", "Irene", "Jonah", "Karen", "Lewis",
    "Maya", "Neil", "Olu", "Paula",
];
