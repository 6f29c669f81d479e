export default {
  en: {
    title: 'Charging sessions', filters: 'Filter sessions', from: 'From', to: 'To', charger: 'Charger', card: 'Card',
    allChargers: 'All chargers', apply: 'Show', exportCsv: 'Export CSV', loading: 'Loading…', none: 'No sessions match these filters.',
    loadFailed: 'The sessions could not be loaded: {message}', badDate: 'Enter a date as YYYY-MM-DD.', toBeforeFrom: '“To” must not be before “From”.',
    limited: 'Showing the latest {n} sessions; narrow the dates to see older ones (the CSV export has them all).',
    date: 'Start', energy: 'Energy', cost: 'Cost', solarShare: 'Solar', duration: 'Duration', running: 'charging…', count: 'Sessions',
    estimated: '* Prices were unknown for part of this session: that part is costed at the session’s mean price.',
  },
  'pt-BR': {
    title: 'Recargas', filters: 'Filtrar recargas', from: 'De', to: 'Até', charger: 'Carregador', card: 'Cartão',
    allChargers: 'Todos os carregadores', apply: 'Mostrar', exportCsv: 'Exportar CSV', loading: 'Carregando…', none: 'Nenhuma recarga com estes filtros.',
    loadFailed: 'Não foi possível carregar as recargas: {message}', badDate: 'Informe a data como AAAA-MM-DD.', toBeforeFrom: '“Até” não pode ser antes de “De”.',
    limited: 'Mostrando as {n} recargas mais recentes; restrinja as datas para ver as antigas (o CSV tem todas).',
    date: 'Início', energy: 'Energia', cost: 'Custo', solarShare: 'Solar', duration: 'Duração', running: 'carregando…', count: 'Recargas',
    estimated: '* Os preços eram desconhecidos em parte desta recarga: essa parte é calculada pelo preço médio da recarga.',
  },
  fr: {
    title: 'Recharges', filters: 'Filtrer les recharges', from: 'Du', to: 'Au', charger: 'Borne', card: 'Badge',
    allChargers: 'Toutes les bornes', apply: 'Afficher', exportCsv: 'Exporter en CSV', loading: 'Chargement…', none: 'Aucune recharge ne correspond à ces filtres.',
    loadFailed: 'Les recharges n’ont pas pu être chargées : {message}', badDate: 'Saisissez une date AAAA-MM-JJ.', toBeforeFrom: '« Au » ne peut pas précéder « Du ».',
    limited: 'Les {n} dernières recharges sont affichées ; réduisez les dates pour voir les plus anciennes (l’export CSV les contient toutes).',
    date: 'Début', energy: 'Énergie', cost: 'Coût', solarShare: 'Solaire', duration: 'Durée', running: 'en charge…', count: 'Recharges',
    estimated: '* Les prix étaient inconnus pour une partie de cette recharge : cette partie est comptée au prix moyen de la recharge.',
  },
  de: {
    title: 'Ladevorgänge', filters: 'Ladevorgänge filtern', from: 'Von', to: 'Bis', charger: 'Ladepunkt', card: 'Karte',
    allChargers: 'Alle Ladepunkte', apply: 'Anzeigen', exportCsv: 'Als CSV exportieren', loading: 'Lädt…', none: 'Keine Ladevorgänge für diese Filter.',
    loadFailed: 'Die Ladevorgänge konnten nicht geladen werden: {message}', badDate: 'Datum als JJJJ-MM-TT eingeben.', toBeforeFrom: '„Bis“ darf nicht vor „Von“ liegen.',
    limited: 'Die neuesten {n} Ladevorgänge werden gezeigt; für ältere den Zeitraum eingrenzen (der CSV-Export enthält alle).',
    date: 'Beginn', energy: 'Energie', cost: 'Kosten', solarShare: 'Solar', duration: 'Dauer', running: 'lädt…', count: 'Ladevorgänge',
    estimated: '* Für einen Teil dieses Ladevorgangs waren die Preise unbekannt: dieser Teil ist zum mittleren Preis des Ladevorgangs berechnet.',
  },
};
