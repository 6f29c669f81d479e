export default {
  en: {
    period: 'Period', 'period.day': 'Day', 'period.week': 'Week', 'period.month': 'Month', 'period.year': 'Year',
    previous: 'Previous period', next: 'Next period', date: 'Date', month: 'Month', title: 'History: {period}', loading: 'Loading…',
    loadFailed: 'The history could not be loaded: {message}', noData: 'No data recorded for this period.',
    chartUnavailable: 'The chart could not be shown.', energyPerDay: 'Energy per day', energyPerMonth: 'Energy per month',
    pvW: 'Solar', homeW: 'Home', chargersW: 'Cars', gridW: 'Grid (+ import, − export)', batteryW: 'Battery (+ discharge)',
    pv: 'Solar', home: 'Home', cars: 'Cars', gridImport: 'From the grid', gridExport: 'To the grid',
  },
  'pt-BR': {
    period: 'Período', 'period.day': 'Dia', 'period.week': 'Semana', 'period.month': 'Mês', 'period.year': 'Ano',
    previous: 'Período anterior', next: 'Próximo período', date: 'Data', month: 'Mês', title: 'Histórico: {period}', loading: 'Carregando…',
    loadFailed: 'Não foi possível carregar o histórico: {message}', noData: 'Nenhum dado registrado neste período.',
    chartUnavailable: 'Não foi possível mostrar o gráfico.', energyPerDay: 'Energia por dia', energyPerMonth: 'Energia por mês',
    pvW: 'Solar', homeW: 'Casa', chargersW: 'Carros', gridW: 'Rede (+ consumo, − injeção)', batteryW: 'Bateria (+ descarga)',
    pv: 'Solar', home: 'Casa', cars: 'Carros', gridImport: 'Da rede', gridExport: 'Para a rede',
  },
  fr: {
    period: 'Période', 'period.day': 'Jour', 'period.week': 'Semaine', 'period.month': 'Mois', 'period.year': 'Année',
    previous: 'Période précédente', next: 'Période suivante', date: 'Date', month: 'Mois', title: 'Historique : {period}', loading: 'Chargement…',
    loadFailed: 'L’historique n’a pas pu être chargé : {message}', noData: 'Aucune donnée enregistrée pour cette période.',
    chartUnavailable: 'Le graphique n’a pas pu être affiché.', energyPerDay: 'Énergie par jour', energyPerMonth: 'Énergie par mois',
    pvW: 'Solaire', homeW: 'Maison', chargersW: 'Voitures', gridW: 'Réseau (+ soutirage, − injection)', batteryW: 'Batterie (+ décharge)',
    pv: 'Solaire', home: 'Maison', cars: 'Voitures', gridImport: 'Du réseau', gridExport: 'Vers le réseau',
  },
  de: {
    period: 'Zeitraum', 'period.day': 'Tag', 'period.week': 'Woche', 'period.month': 'Monat', 'period.year': 'Jahr',
    previous: 'Vorheriger Zeitraum', next: 'Nächster Zeitraum', date: 'Datum', month: 'Monat', title: 'Verlauf: {period}', loading: 'Lädt…',
    loadFailed: 'Der Verlauf konnte nicht geladen werden: {message}', noData: 'Für diesen Zeitraum sind keine Daten aufgezeichnet.',
    chartUnavailable: 'Das Diagramm konnte nicht angezeigt werden.', energyPerDay: 'Energie pro Tag', energyPerMonth: 'Energie pro Monat',
    pvW: 'Solar', homeW: 'Haus', chargersW: 'Autos', gridW: 'Netz (+ Bezug, − Einspeisung)', batteryW: 'Batterie (+ Entladung)',
    pv: 'Solar', home: 'Haus', cars: 'Autos', gridImport: 'Aus dem Netz', gridExport: 'Ins Netz',
  },
};
